"""HepMC3 in and out.

Reading: ASCII HepMC3 (plain or gzip) is cut into events on ``E`` lines and parsed by pyhepmc in
batches; each event's particle and vertex tables come out as numpy arrays (``GenEventData``) and
become slim-event rows with the same definitions as generated samples (``lepreint.events.slim``).
Units are the file's own (MeV or GeV, mm or cm): converted to GeV and mm.  A malformed or truncated
event stops the read with a message naming the file and the event (its ordinal in the file and
its line); ``skip_bad=True`` skips such events and counts them.

Long-lived particles: by PDG id (``llp_ids``, default the charged mediators, heavy neutral leptons and
top-squark R-hadrons lepreint knows) and/or every particle whose decay vertex lies more than ``displaced_mm``
from its production vertex.

Writing: ``HepMCWriter`` exports generated events, by default one HepMC event per slim-event row (each of the
K decay copies of an oversampled event, with weight w/K and the attributes ``lepreint_event``/``lepreint_copy``;
``copies='one'``: the first copy only, with weight w), each carrying the cross section (GenCrossSection, pb):
beams -> primary vertex -> the generator's final-state particles (grouped by production vertex; a
displaced vertex gets a stand-in mother with the true mother's PDG id, the lepton's momentum and
status 11, which the reader never takes for an LLP),
the LLPs -> their decay vertices -> chi0, the lepton (a tau decays further) and the neutrino.
A non-leptonic LLP decay's W* system is written as one status-1 W (PDG 24), a hadronic tau's
visible system as one status-1 rho (PDG 213): lepreint does not hadronise them.  Reading such a
file back gives the same slim events.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import awkward as ak
import numpy as np

from lepreint.constants import C_MM_PER_NS, STOP_RHADRON_IDS
from lepreint.errors import LepreintError
from lepreint.events.slim import (
    INVISIBLE_PDG,
    LEPTON_MIN_PT,
    SCHEMA_VERSION,
    Ragged,
    Sample,
    cluster_jets,
    content_digest,
    isolation_sums,
    rows_to_awkward,
    typed_columns,
)

__all__ = ["HepMCError", "DEFAULT_LLP_IDS", "read_hepmc", "HepMCWriter", "ReadStats"]

#: charginos, the second neutralino, heavy neutral leptons (MadGraph/HeavyN and Pythia conventions), and the
#: top-squark R-hadrons (which carry a long-lived stop's lifetime; the stop re-emerging at their decay vertex is not
#: an LLP of its own)
DEFAULT_LLP_IDS = frozenset({1000024, 1000037, 1000023, 9900012, 9900014, 9900016, 9990012}) | STOP_RHADRON_IDS

_FOOTER = b"HepMC::Asciiv3-END_EVENT_LISTING"
#: status of the stand-in mother particles lepreint writes for displaced vertices (generator-specific range)
_PLACEHOLDER_STATUS = 11
_MOMENTUM_SCALE = {"GEV": 1.0, "MEV": 1e-3}
_LENGTH_SCALE = {"MM": 1.0, "CM": 10.0}


class HepMCError(LepreintError):
    """A HepMC file that cannot be read."""


@dataclass
class ReadStats:
    events: int = 0
    bad_events: int = 0
    bad_examples: list | None = None
    truncated: bool = False
    seconds: float = 0.0


@contextlib.contextmanager
def _capture_stderr():
    """HepMC3's C++ reader reports parse errors on stderr (and part of them on stdout): capture both
    file descriptors while it parses, so that they reach neither the terminal nor --json output."""
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        for fd in (1, 2):
            os.dup2(tmp.fileno(), fd)
        box = {"text": ""}
        try:
            yield box
        finally:
            for fd, keep in saved.items():
                os.dup2(keep, fd)
                os.close(keep)
            tmp.seek(0)
            box["text"] = tmp.read().decode(errors="replace")


def _open_bytes(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


def _split_events(path: Path, batch_bytes: int = 8 << 20):
    """Yield (header, [(ordinal, first line number, event bytes)], footer_seen) batches of an ASCII HepMC3 file."""
    header = None
    ordinal = 0
    line = 1
    buf = b""
    try:
        fh = _open_bytes(path)
    except OSError as exc:
        raise HepMCError(f"{path}: cannot open ({exc.strerror})") from None
    with fh:
        eof = False
        while not eof:
            try:
                chunk = fh.read(batch_bytes)
            except (OSError, EOFError) as exc:  # e.g. a truncated gzip stream
                raise HepMCError(f"{path}: cannot read after event {ordinal} ({exc})") from None
            eof = not chunk
            buf += chunk
            if header is None:
                first = buf.find(b"\nE ")
                if first < 0 and not eof:
                    continue
                if b"HepMC::IO_GenEvent-START_EVENT_LISTING" in buf[:4096]:
                    raise HepMCError(
                        f"{path}: a HepMC2 file (IO_GenEvent); lepreint reads HepMC3: convert it (HepMC3's "
                        "'convert_example' does) or write HepMC3 from the generator"
                    )
                if not buf.startswith(b"HepMC::Version") and b"HepMC::Asciiv3-START_EVENT_LISTING" not in buf[:4096]:
                    raise HepMCError(
                        f"{path}: not an ASCII HepMC3 file (no 'HepMC::Asciiv3-START_EVENT_LISTING' header)"
                    )
                if first < 0:  # no event at all: a complete file still has its footer
                    header, buf = buf, b""
                    yield header, [], _FOOTER in header
                    return
                header, buf = buf[: first + 1], buf[first + 1 :]
                line += header.count(b"\n")
            # cut complete events: each starts with "E " at a line start and ends where the next starts
            events = []
            start = 0
            while True:
                nxt = buf.find(b"\nE ", start + 1)
                if nxt < 0:
                    break
                block = buf[start : nxt + 1]
                events.append((ordinal, line, block))
                ordinal += 1
                line += block.count(b"\n")
                start = nxt + 1
            buf = buf[start:]
            footer_seen = False
            if eof and buf:
                f = buf.find(_FOOTER)
                if f >= 0:
                    footer_seen = True
                    buf = buf[:f]
                if buf.strip():
                    events.append((ordinal, line, buf))
                    ordinal += 1
                buf = b""
            if events or eof:
                yield header, events, (footer_seen if eof else None)


# Numbers on an event's E, W, P and V lines.  HepMC3's C++ reader parses them with atof, which reads '1.2.3e'
# as 1.2 and '5x' as 5 without a word; lepreint checks them first, vectorised over a batch of events.
_NUMERIC_LINES = (b"E ", b"W ", b"P ", b"V ")
#: character classes: 0 separator, 1 digit, 2 decimal point, 3 exponent, 4 sign, 5 anything else
_CLASS = np.full(256, 5, dtype=np.int8)
_CLASS[np.frombuffer(b" \t\r\n[],@", dtype=np.uint8)] = 0
_CLASS[np.frombuffer(b"0123456789", dtype=np.uint8)] = 1
_CLASS[ord(".")] = 2
_CLASS[[ord("e"), ord("E")]] = 3
_CLASS[[ord("+"), ord("-")]] = 4


def _numeric_text(block: bytes) -> bytes:
    """The E, W, P and V lines of one event without their leading letter, newline-joined (ends with a newline)."""
    return b"".join(ln[2:] + b"\n" for ln in block.split(b"\n") if ln[:2] in _NUMERIC_LINES)


def _bad_number_positions(text: bytes) -> np.ndarray:
    """Positions in ``text`` (numbers separated by blanks, newlines, '[', ']', ',' or '@') where a number breaks
    the grammar ``[sign] digits [. digits] [e [sign] digits]`` (a lone '.' or sign, two points or exponents, a
    point after the exponent, a sign inside a number, an exponent without digits, any other character)."""
    c = _CLASS[np.frombuffer(text, dtype=np.uint8)]
    if c.size == 0:
        return np.zeros(0, dtype=np.int64)
    padded = np.concatenate(([0], c, [0])).astype(np.int8)
    at = np.flatnonzero(c >= 2)  # points, exponents, signs, others: the only places a number can break
    k, prev, nxt = c[at], padded[at], padded[at + 2]
    sign, e, dot = k == 4, k == 3, k == 2
    bad = k == 5
    bad |= sign & ~(((prev == 0) | (prev == 3)) & ((nxt == 1) | (nxt == 2)))
    bad |= e & ~(((prev == 1) | (prev == 2)) & ((nxt == 1) | (nxt == 4)))
    bad |= dot & (prev != 1) & (nxt != 1)
    # within one number at most one point, then at most one exponent: of two consecutive points/exponents with no
    # separator between them, only (point, exponent) is allowed
    pe = at[dot | e]
    if pe.size > 1:
        seps = np.cumsum(c == 0, dtype=np.int32)
        same = seps[pe[1:]] == seps[pe[:-1]]
        is_e = c[pe] == 3
        wrong = same & ~(~is_e[:-1] & is_e[1:])
        bad[np.searchsorted(at, pe[1:][wrong])] = True
    return at[bad]


def _malformed_events(blocks: list[bytes]) -> dict[int, str]:
    """Index -> message for the events of a batch with a malformed number (one vectorised pass over the batch)."""
    texts = [_numeric_text(b) for b in blocks]
    pos = _bad_number_positions(b"".join(texts))
    if pos.size == 0:
        return {}
    ends = np.cumsum([len(t) for t in texts])
    out = {}
    for i in np.unique(np.searchsorted(ends, pos, side="right")):
        text = texts[i]
        start = int(ends[i] - len(text))
        p = int(pos[(pos >= start) & (pos < ends[i])][0]) - start
        a = max(text.rfind(ch, 0, p) for ch in (b" ", b"\n")) + 1
        b = min((j for j in (text.find(b" ", p), text.find(b"\n", p)) if j >= 0), default=len(text))
        line = text[text.rfind(b"\n", 0, p) + 1 : text.find(b"\n", p)].decode(errors="replace")
        out[int(i)] = f"{text[a:b].decode(errors='replace')!r} is not a number (in '{line[:80]}')"
    return out


_E_LINE = re.compile(rb"^E \S+ (\d+) (\d+)")
# P and V lines follow a newline (an event starts with its E line); a literal first character keeps the search fast
_P_LINK = re.compile(rb"\nP (-?\d+) (-?\d+) ")
_V_LINK = re.compile(rb"\nV (-?\d+) -?\d+ \[([^\]]*)\]")


def _broken_links(blocks: list[bytes]) -> dict[int, str]:
    """Index -> message for the events of a batch whose particles or vertices name ids the event does not have
    (a particle's production vertex or mother, a vertex's incoming particles): HepMC3's reader drops such links
    without a word, or crashes on them.  Vectorised over the batch: the E line's vertex and particle counts, every
    P line's (id, parent), every V line's incoming ids.  Where the batch cannot be read at once (a line the
    patterns do not read, which HepMC3's parser then judges, or an id too long to be a number, that event's
    error), its events are checked one by one."""
    try:
        found = _links_of_batch(blocks)
        if found is not None:
            return found
    except (ValueError, OverflowError):
        pass
    out: dict[int, str] = {}
    for i, b in enumerate(blocks):
        try:
            one = _links_of_batch([b]) or {}
        except (ValueError, OverflowError):
            one = {0: "an id that is not a number of at most 18 digits"}
        if one:
            out[i] = one[0]
    return out


def _links_of_batch(blocks: list[bytes]) -> dict[int, str] | None:
    """``_broken_links`` of the whole batch at once; None where a P or V line of it is not read by the patterns
    (a batch of several events: then they are checked one by one)."""
    n_p = np.array([b.count(b"\nP ") for b in blocks])
    n_v = np.array([b.count(b"\nV ") for b in blocks])
    joined = b"".join(blocks)
    p_lines, v_lines = _P_LINK.findall(joined), _V_LINK.findall(joined)
    if (len(p_lines) != n_p.sum() or len(v_lines) != n_v.sum()) and len(blocks) > 1:
        return None
    return _check_links(blocks, n_p, n_v, p_lines, v_lines)


def _check_links(blocks, n_p, n_v, p_lines, v_lines) -> dict[int, str]:
    out: dict[int, str] = {}
    counts = []
    for b in blocks:
        m = _E_LINE.match(b)
        counts.append((int(m.group(1)), int(m.group(2))) if m else (-1, -1))
    nv, npart = np.array(counts, dtype=np.int64).reshape(-1, 2).T
    p = np.array(p_lines, dtype=np.int64).reshape(-1, 2)
    if len(p) == n_p.sum():
        ev = np.repeat(np.arange(len(blocks)), n_p)
        ids, parent = p[:, 0], p[:, 1]
        # a parent is a vertex (< 0) or a particle (> 0) of the event, in any order the writer chose
        bad = (nv[ev] >= 0) & ((parent < -nv[ev]) | (parent > npart[ev]) | (ids < 1) | (ids > npart[ev]))
        for k in np.flatnonzero(bad):
            out.setdefault(int(ev[k]), f"particle {ids[k]} names a parent ({parent[k]}) the event does not have")
    v = v_lines
    if len(v) == n_v.sum() and v:
        ev = np.repeat(np.arange(len(blocks)), n_v)
        vid = np.array([x for x, _ in v], dtype=np.int64)
        lists = [[x for x in inc.split(b",") if x.strip()] for _, inc in v]  # '[]': a vertex without incoming
        per = np.array([len(x) for x in lists])
        inc = np.array([x for lst in lists for x in lst], dtype=np.int64)
        inc_ev = np.repeat(ev, per)
        bad_in = (nv[inc_ev] >= 0) & ((inc < 1) | (inc > npart[inc_ev]))
        owner = np.repeat(np.arange(len(v)), per)
        bad_v = (nv[ev] >= 0) & ((vid >= 0) | (-vid > nv[ev]))
        bad_v[owner[bad_in]] = True
        for k in np.flatnonzero(bad_v):
            text = v[k][1].decode(errors="replace")
            out.setdefault(int(ev[k]), f"vertex {vid[k]} names incoming particles [{text}] the event does not have")
    return out


def _parse_batch(header: bytes, events: list):
    """Parse events with pyhepmc; returns (parsed events, index of the first bad event or None, error text)."""
    import pyhepmc

    body = b"".join(e[2] for e in events)
    payload = header + body + (b"" if body.endswith(b"\n") else b"\n") + _FOOTER + b"\n"
    out = []
    with _capture_stderr() as err:
        with pyhepmc.open(io.BytesIO(payload)) as f:
            for ev in f:
                out.append(ev)
    text = err["text"]
    if len(out) < len(events) or "ERROR" in text:
        bad = len(out) if len(out) < len(events) else None
        if bad is None:  # an error with every event returned: find which by parsing one at a time
            for i, e in enumerate(events):
                one, b, t = _parse_batch(header, [e]) if len(events) > 1 else (out, 0, text)
                if b is not None or len(events) == 1:
                    bad = i
                    text = t
                    break
            out = out[: bad if bad is not None else len(out)]
        return out, bad, text
    return out, None, ""


def _first_error(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errs = [ln for ln in lines if "ERROR" in ln]
    msg = (errs[0] if errs else (lines[0] if lines else "unreadable event")).replace("ERROR::ReaderAscii:", "").strip()
    return " ".join(msg.split())


class _EventTables:
    """One HepMC event as arrays (GeV, mm, ns)."""

    def __init__(self, ev, path: Path, ordinal: int, invisible: frozenset = INVISIBLE_PDG, weight: str | None = None):
        import pyhepmc

        d = pyhepmc.GenEventData()
        ev.write_data(d)
        mu = ev.momentum_unit.name
        lu = ev.length_unit.name
        if mu not in _MOMENTUM_SCALE or lu not in _LENGTH_SCALE:
            raise HepMCError(f"{path}: event {ordinal}: unknown units {mu} {lu}")
        ps, ls = _MOMENTUM_SCALE[mu], _LENGTH_SCALE[lu]
        self.where = f"{path}: event {ordinal}"
        p = d.particles
        self.n = len(p)
        self.pid = p["pid"].astype(np.int64)
        self.status = p["status"].astype(np.int64)
        self.p4 = np.column_stack([p["px"], p["py"], p["pz"], p["e"]]).astype(float) * ps
        self.mass = np.where(p["is_mass_set"], p["mass"] * ps, np.nan)
        v = d.vertices
        pos = np.column_stack([v["x"], v["y"], v["z"], v["t"]]).astype(float) * ls
        pos[:, 3] /= C_MM_PER_NS  # HepMC stores c t in length units
        if not np.all(np.isfinite(self.p4)) or not np.all(np.isfinite(pos)):
            raise HepMCError(f"{path}: event {ordinal}: non-finite momentum or vertex position")
        l1, l2 = np.asarray(d.links1, dtype=np.int64), np.asarray(d.links2, dtype=np.int64)
        # The links name particles (> 0) and vertices (< 0) by their ids, which need not follow storage order:
        # after HepMC3 reads a file written by another program (Pythia's HepMC3 interface adds vertices in
        # topological order) vertex -k is often not row k - 1.  Map ids to rows explicitly.
        num = ev.numpy
        p_ids = np.asarray(num.particles.id, dtype=np.int64)
        v_ids = -np.asarray(num.vertices.id, dtype=np.int64)
        p_row = _id_to_row(p_ids, path, ordinal, "particle")
        v_row = _id_to_row(v_ids, path, ordinal, "vertex")
        self.prod = np.full(self.n, -1)
        self.end = np.full(self.n, -1)
        incoming = (l1 > 0) & (l2 < 0)
        outgoing = (l1 < 0) & (l2 > 0)
        if np.count_nonzero(incoming) + np.count_nonzero(outgoing) != len(l1):
            raise HepMCError(f"{path}: event {ordinal}: a link joins two particles or two vertices")
        in_p, in_v = _rows(p_row, l1[incoming]), _rows(v_row, -l2[incoming])
        out_v, out_p = _rows(v_row, -l1[outgoing]), _rows(p_row, l2[outgoing])
        if min(in_p.min(initial=0), in_v.min(initial=0), out_v.min(initial=0), out_p.min(initial=0)) < 0:
            raise HepMCError(f"{path}: event {ordinal}: links refer to missing particles or vertices")
        if (
            np.bincount(out_p, minlength=self.n).max(initial=0) > 1
            or np.bincount(in_p, minlength=self.n).max(initial=0) > 1
        ):
            raise HepMCError(f"{path}: event {ordinal}: a particle has two production or two decay vertices")
        if len(v) == 0:  # particles without any vertex: nothing is displaced
            pos = np.zeros((1, 4))
        self.end[in_p] = in_v
        self.prod[out_p] = out_v
        # first incoming particle of each vertex
        vin = np.full(max(len(v), 1), -1)
        inc_p, inc_v = in_p, in_v
        order = np.argsort(inc_p)[::-1]  # so that the lowest particle index wins
        vin[inc_v[order]] = inc_p[order]
        self.mother = np.where(self.prod >= 0, vin[np.maximum(self.prod, 0)], -1)
        # vertices without a position (written at the origin) inherit their parent's production vertex, however
        # deep the chain (HepMC3's rule), and a root one the event's position ("E ... @ x y z t": a beam spot)
        ep = d.event_pos
        self.event_pos = np.array([ep.x * ls, ep.y * ls, ep.z * ls, ep.t * ls / C_MM_PER_NS], dtype=float)
        if not np.all(np.isfinite(self.event_pos)):
            raise HepMCError(f"{path}: event {ordinal}: non-finite event position")
        unset = ~np.any(pos != 0, axis=1)
        parent_vtx = np.where(vin >= 0, self.prod[np.maximum(vin, 0)], -1)
        pos[unset & (parent_vtx < 0)] = self.event_pos
        unset &= parent_vtx >= 0
        for _ in range(len(pos)):
            fix = unset & ~unset[np.maximum(parent_vtx, 0)]
            if not fix.any():
                break
            pos[fix] = pos[parent_vtx[fix]]
            unset &= ~fix
        if unset.any():  # a chain of unpositioned vertices that closes on itself
            raise HepMCError(f"{path}: event {ordinal}: vertices without positions form a loop")
        self.vpos = pos
        try:
            names = list(ev.weight_names) if len(ev.weights) else []
        except Exception:  # no run info with weight names
            names = []
        #: the first (nominal) weight: the sum a variation is normalised by when the file's cross section is the
        #: nominal one only
        self.nominal_weight = float(ev.weights[0]) if len(ev.weights) else 1.0
        if weight is None:
            self.weight = self.nominal_weight
            #: the name of the weight lepreint uses (the first, or the one asked for), if the file names its weights
            self.weight_name = names[0] if names else None
        else:
            if weight not in names:
                have = ", ".join(repr(n) for n in names) if names else "none named"
                raise HepMCError(f"{path}: event {ordinal}: no weight named {weight!r} (its weights: {have})")
            self.weight, self.weight_name = float(ev.weights[names.index(weight)]), weight
        #: the weight used is the file's first (nominal) one
        self.weight_is_first = weight is None or (bool(names) and weight == names[0])
        # the collision energy of the beams (status 4), GeV: what the file's units say it is
        # the beams (status 4): protons, antiprotons or nuclei; HepMC3's LHE conversion marks the incoming partons
        # with status 4, whose energy is not the collider's
        is_beam = (self.status == 4) & ((np.abs(self.pid) == 2212) | (np.abs(self.pid) >= 1_000_000_000))
        beams = self.p4[is_beam]
        tot = beams.sum(axis=0)
        self.sqrt_s = (
            float(np.sqrt(max(tot[3] ** 2 - tot[0] ** 2 - tot[1] ** 2 - tot[2] ** 2, 0.0))) if len(beams) == 2 else None
        )
        others = self.p4[~is_beam, 3]
        if self.sqrt_s and others.size and others.max() > 1.001 * tot[3]:
            raise HepMCError(
                f"{path}: event {ordinal}: a particle of {others.max():.6g} GeV, more than its beams carry"
            )
        fs = self.p4[self.status == 1]
        if np.any(fs[:, 3] < 0):
            raise HepMCError(f"{path}: event {ordinal}: a final-state particle of negative energy {fs[:, 3].min():.6g}")
        p2, e2 = np.sum(fs[:, :3] ** 2, axis=1), fs[:, 3] ** 2
        if np.any(p2 - e2 > 1e-3 * e2 + 1e-6):  # faster than light, beyond what a few printed digits explain
            k = int(np.argmax(p2 - e2))
            raise HepMCError(
                f"{path}: event {ordinal}: a final-state particle with momentum {np.sqrt(p2[k]):.6g} GeV above its "
                f"energy {fs[k, 3]:.6g} GeV"
            )
        # stable particles of new physics that lepreint does not know as invisible: counted as visible
        final = (self.status == 1) & (np.abs(self.pid) >= 1_000_000)
        self.visible_bsm = {int(i) for i in np.abs(self.pid[final])} - set(invisible)
        self.invisible = invisible
        attrs = ev.attributes
        self.lepreint_event = _int_attr(attrs, "lepreint_event")
        #: written by lepreint: status-11 particles are stand-in mothers of displaced vertices, never LLPs
        self.lepreint_written = self.lepreint_event is not None
        self.lepreint_copy = _int_attr(attrs, "lepreint_copy") or 0
        #: True when ``xsec_pb`` is the file's cross section for the chosen (non-first) weight, False when it is the
        #: nominal one (what a variation's weights are then normalised against)
        self.xsec_of_weight = False
        try:
            xs = ev.cross_section
            self.xsec_pb = float(xs.xsec()) if xs is not None else None
            if xs is not None and not self.weight_is_first:
                # HepMC3 gives every weight the first cross section when the file writes one only: a value of its
                # own is one that differs (were it equal, normalising to either weights' sum is the same answer)
                own = float(xs.xsec(weight))
                if np.isfinite(own) and own > 0 and own != self.xsec_pb:
                    self.xsec_pb, self.xsec_of_weight = own, True
        except Exception:  # no or unreadable cross-section attribute: the user gives --xsec
            self.xsec_pb = None
        if self.xsec_pb is not None and not (np.isfinite(self.xsec_pb) and self.xsec_pb > 0):
            self.xsec_pb = None  # NaN, zero or negative (written before the generator knew it): not given


def _id_to_row(ids: np.ndarray, path: Path, ordinal: int, what: str) -> np.ndarray:
    """Row of each (positive) id: ``row[id]``, -1 for ids that do not exist."""
    if ids.size and (ids.min() < 1 or np.unique(ids).size != ids.size):
        raise HepMCError(f"{path}: event {ordinal}: {what} ids are not distinct positive numbers")
    row = np.full(int(ids.max(initial=0)) + 1, -1, dtype=np.int64)
    row[ids] = np.arange(ids.size)
    return row


def _rows(row: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Rows of ``ids`` through ``row`` (``_id_to_row``); -1 for an id outside the table."""
    ok = (ids >= 0) & (ids < row.size)
    return np.where(ok, row[np.where(ok, ids, 0)], -1)


def _int_attr(attrs, name: str):
    if name not in attrs:
        return None
    a = attrs[name]
    return int(a.astype(int)) if hasattr(a, "astype") else int(a)


def _nearest_ancestor(mother: np.ndarray, is_llp: np.ndarray) -> np.ndarray:
    """Per particle: the row of its nearest ancestor that is an LLP, or -1."""
    anc = np.full(mother.size, -1)
    cur = mother.copy()
    for _ in range(4096):
        live = (anc < 0) & (cur >= 0)
        if not live.any():
            break
        hit = live & is_llp[np.maximum(cur, 0)]
        anc[hit] = cur[hit]
        cur = np.where(live & ~hit, mother[np.maximum(cur, 0)], -1)
    return anc


def _row_tables(t: _EventTables, llp_ids: frozenset, displaced_mm: float | None):
    """Per-event pieces of one slim row."""
    n = t.n
    apid = np.abs(t.pid)
    prod_pos = np.where(t.prod[:, None] >= 0, t.vpos[np.maximum(t.prod, 0)], t.event_pos)
    end_pos = np.where(t.end[:, None] >= 0, t.vpos[np.maximum(t.end, 0)], np.nan)
    # LLPs appear once: keep the last copy in a chain of same-id copies (the one that decays)
    same_as_child = np.zeros(n, dtype=bool)
    child_of = t.mother
    has_m = child_of >= 0
    same_as_child[child_of[has_m & (t.pid == t.pid[np.maximum(child_of, 0)])]] = True
    is_llp = np.isin(apid, list(llp_ids))
    if t.lepreint_written:
        is_llp &= t.status != _PLACEHOLDER_STATUS
    is_llp &= ~same_as_child
    anc = _nearest_ancestor(t.mother, is_llp)
    if displaced_mm is not None:
        # a particle that flies: an LLP of its own unless it comes from one already (a tau or b hadron of a named
        # LLP's decay moves with that LLP, not as a second LLP inside it)
        flight = np.linalg.norm(end_pos[:, :3] - prod_pos[:, :3], axis=1)
        flies = (np.nan_to_num(flight, nan=0.0) > displaced_mm) & (anc < 0) & ~same_as_child
        if t.lepreint_written:
            flies &= t.status != _PLACEHOLDER_STATUS
        if flies.any():
            # the outermost of a chain of flying particles (a B meson, not the D of its decay): the rest of the
            # chain is its decay system and moves with it
            flies &= _nearest_ancestor(t.mother, flies) < 0
            is_llp |= flies
            anc = _nearest_ancestor(t.mother, is_llp)
    llp_idx = np.flatnonzero(is_llp)
    m = t.mass[llp_idx]
    m_p4 = np.sqrt(np.maximum(t.p4[llp_idx, 3] ** 2 - np.sum(t.p4[llp_idx, :3] ** 2, axis=1), 0.0))
    bad = ~((np.isfinite(m) & (m > 0)) | (m_p4 > 0))
    if bad.any():
        k = llp_idx[np.flatnonzero(bad)[0]]
        raise HepMCError(
            f"{t.where}: the long-lived particle {int(t.pid[k])} has no mass (its mass and its four-momentum's are "
            "zero): its proper decay length cannot be computed"
        )
    final = t.status == 1
    invisible = final & np.isin(apid, list(t.invisible))
    visible = final & ~invisible & ~is_llp
    local = np.full(n, -1)
    local[llp_idx] = np.arange(llp_idx.size)
    # decay mode of each LLP: |pdg| of a charged-lepton daughter, else 0; -1 if it does not decay
    mode = np.where(t.end[llp_idx] >= 0, 0, -1)
    for lid in (15, 13, 11):
        kids = np.flatnonzero((apid == lid) & np.isin(t.mother, llp_idx))
        mode[local[t.mother[kids]]] = lid
    return visible, invisible, anc, local, llp_idx, prod_pos, end_pos, mode


def _rows_from_tables(tables: list[_EventTables], first_event: int):
    vis_parts, lep_parts, llp_parts = [], [], []
    inv, vsum = [], []
    for t in tables:
        visible, invisible, anc, local, llp_idx, prod_pos, end_pos, mode = t.derived
        p4 = t.p4
        vi = np.flatnonzero(visible)
        # px, py, pz, e, 1 if the particle does not descend from an LLP (jet input)
        vis_parts.append(np.column_stack([p4[vi], np.where(anc[vi] < 0, 1.0, 0.0)]))
        pt = np.hypot(p4[vi, 0], p4[vi, 1])
        a = np.abs(t.pid[vi])
        lsel = ((a == 11) | (a == 13)) & (pt > LEPTON_MIN_PT)
        li = vi[lsel]
        lep_parts.append(
            np.column_stack(
                [
                    t.pid[li],
                    p4[li],
                    prod_pos[li],
                    np.where(anc[li] >= 0, local[np.maximum(anc[li], 0)], -1),
                    np.flatnonzero(lsel),
                ]
            )
        )
        m = np.where(  # the mass written, else (not written, or zero) the four-momentum's (``_row_tables``)
            np.isfinite(t.mass[llp_idx]) & (t.mass[llp_idx] > 0),
            t.mass[llp_idx],
            np.sqrt(np.maximum(p4[llp_idx, 3] ** 2 - np.sum(p4[llp_idx, :3] ** 2, axis=1), 0.0)),
        )
        pabs = np.linalg.norm(p4[llp_idx, :3], axis=1)
        flight = np.linalg.norm(end_pos[llp_idx, :3] - prod_pos[llp_idx, :3], axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ct = flight * m / pabs
        llp_parts.append(
            np.column_stack([t.pid[llp_idx], m, p4[llp_idx], prod_pos[llp_idx], end_pos[llp_idx], ct, mode])
        )
        ii = np.flatnonzero(invisible)
        inv.append((p4[ii, 0].sum(), p4[ii, 1].sum()))
        vsum.append((p4[vi, 0].sum(), p4[vi, 1].sum()))
    n = len(tables)
    va = np.concatenate(vis_parts) if n else np.zeros((0, 5))
    vis = Ragged.from_counts([len(v) for v in vis_parts], px=va[:, 0], py=va[:, 1], pz=va[:, 2])
    roe = va[:, 4] > 0
    jets = cluster_jets(
        Ragged.from_counts(
            np.bincount(vis.row_index()[roe], minlength=n), px=va[roe, 0], py=va[roe, 1], pz=va[roe, 2], e=va[roe, 3]
        )
    )
    lcount = [len(x) for x in lep_parts]
    la = np.concatenate(lep_parts) if n else np.zeros((0, 11))
    row = np.repeat(np.arange(n), lcount)
    iso = isolation_sums(row, (la[:, 1], la[:, 2], la[:, 3]), la[:, 10].astype(int), vis)
    leptons = Ragged.from_counts(
        lcount,
        **typed_columns(
            pdg=la[:, 0],
            charge=-np.sign(la[:, 0]),
            px=la[:, 1],
            py=la[:, 2],
            pz=la[:, 3],
            e=la[:, 4],
            vx=la[:, 5],
            vy=la[:, 6],
            vz=la[:, 7],
            vt=la[:, 8],
            llp=la[:, 9],
            iso02=iso[:, 0],
            iso03=iso[:, 1],
            iso04=iso[:, 2],
        ),
    )
    lla = np.concatenate(llp_parts) if n else np.zeros((0, 16))
    llps = Ragged.from_counts(
        [len(x) for x in llp_parts],
        **typed_columns(
            pdg=lla[:, 0],
            mass=lla[:, 1],
            px=lla[:, 2],
            py=lla[:, 3],
            pz=lla[:, 4],
            e=lla[:, 5],
            vx=lla[:, 6],
            vy=lla[:, 7],
            vz=lla[:, 8],
            vt=lla[:, 9],
            dx=lla[:, 10],
            dy=lla[:, 11],
            dz=lla[:, 12],
            dt=lla[:, 13],
            ctau=lla[:, 14],
            mode=lla[:, 15],
        ),
    )
    ev_ids = np.array(
        [t.lepreint_event if t.lepreint_event is not None else first_event + i for i, t in enumerate(tables)],
        dtype=np.int64,
    )
    copies = np.array([t.lepreint_copy for t in tables], dtype=np.int64)
    weights = np.array([t.weight for t in tables], dtype=float)
    return rows_to_awkward(
        ev_ids,
        copies,
        weights,
        leptons,
        jets,
        llps,
        np.asarray(inv, dtype=float).reshape(-1, 2),
        np.asarray(vsum, dtype=float).reshape(-1, 2),
    )


def _gather_facts(facts: dict, tables: list[_EventTables]) -> None:
    for t in tables:
        if facts["sqrt_s"] is None and t.sqrt_s:
            facts["sqrt_s"] = t.sqrt_s
        if facts["weight_name"] is None and t.weight_name:
            facts["weight_name"] = t.weight_name
        facts["weight_is_first"] = facts.get("weight_is_first", True) and t.weight_is_first
        facts["visible_bsm"] |= t.visible_bsm
        anc, llp_idx, prod_pos, end_pos = t.derived[2], t.derived[4], t.derived[5], t.derived[6]
        flight = np.linalg.norm(end_pos[llp_idx, :3] - prod_pos[llp_idx, :3], axis=1)
        decayed = np.isfinite(flight)
        facts["llps_decayed"] += int(decayed.sum())
        facts["llps_flying"] += int((flight[decayed] > 0).sum())
        facts["llps_undecayed"] += int((~decayed).sum())
        facts["llps_nested"] += int((anc[llp_idx] >= 0).sum())


def read_hepmc(
    path: str | os.PathLike,
    llp_ids=DEFAULT_LLP_IDS,
    displaced_mm: float | None = None,
    skip_bad: bool = False,
    max_events: int | None = None,
    xsec_fb: float | None = None,
    batch: int = 500,
    invisible_ids=(),
    weight: str | None = None,
) -> tuple[Sample, ReadStats]:
    """Read an ASCII HepMC3 file (optionally gzip) into slim events.

    ``invisible_ids``: PDG ids counted as invisible besides lepreint's (neutrinos, the lightest neutralino, the
    sneutrinos, the gravitino, 51-53); ``weight``: the name of the event weight to use (default: the first).

    The cross section is ``xsec_fb`` if given, else the file's own (``GenCrossSection`` of the last
    event), else None (the analysis then needs ``--xsec``).
    """
    path = Path(path)
    if not path.is_file():
        raise HepMCError(f"{path}: no such file")
    llp_ids = frozenset(abs(int(i)) for i in llp_ids)
    invisible = INVISIBLE_PDG | frozenset(abs(int(i)) for i in invisible_ids or ())
    stats = ReadStats(bad_examples=[])
    parts = []
    xsec_file = None
    xsec_of_weight = False
    sw_nominal = 0.0
    n_rows = 0
    t0 = time.perf_counter()
    footer = False
    done = False
    # what the file says about itself: its beams' energy, its first weight's name, stable new-physics particles
    # counted as visible, and how many of its LLPs decay away from where they were produced
    facts: dict = {
        "sqrt_s": None,
        "weight_name": None,
        "visible_bsm": set(),
        "llps_decayed": 0,
        "llps_flying": 0,
        "llps_undecayed": 0,
        "llps_nested": 0,
    }
    for header, events, footer_seen in _split_events(path):
        if footer_seen is not None:
            footer = footer_seen
        while events and not done:
            todo = events[:batch]
            events = events[batch:]
            clean = []
            malformed = _malformed_events([b for _o, _l, b in todo])
            broken = _broken_links([b for _o, _l, b in todo])
            for i, (ordinal, line, block) in enumerate(todo):
                if i not in malformed and i not in broken:
                    clean.append((ordinal, line, block))
                    continue
                what = f"malformed number: {malformed[i]}" if i in malformed else f"broken link: {broken[i]}"
                msg = f"{path}: event {ordinal + 1} (line {line}): {what}"
                if not skip_bad:
                    raise HepMCError(msg)
                stats.bad_events += 1
                stats.bad_examples.append(msg)
            todo = clean
            while todo:
                parsed, bad, text = _parse_batch(header, todo)
                tables = []
                for ev, (ordinal, line, _b) in zip(parsed, todo):
                    try:
                        t = _EventTables(ev, path, ordinal + 1, invisible, weight)
                        # computed here, where a broken record is still this event's error, and kept
                        t.derived = _row_tables(t, llp_ids, displaced_mm)
                        tables.append(t)
                    except Exception as exc:  # any inconsistency of one event is that event's problem
                        msg = (
                            # the event's own checks know its number, not its line: add it
                            str(exc).replace(f": event {ordinal + 1}: ", f": event {ordinal + 1} (line {line}): ", 1)
                            if isinstance(exc, HepMCError)
                            else (
                                f"{path}: event {ordinal + 1} (line {line}): inconsistent event record "
                                f"({type(exc).__name__}: {exc})"
                            )
                        )
                        if not skip_bad:
                            raise HepMCError(msg) from None
                        stats.bad_events += 1
                        stats.bad_examples.append(msg)
                if tables:
                    if max_events is not None:
                        tables = tables[: max(0, max_events - n_rows)]
                    _gather_facts(facts, tables)
                    parts.append(_rows_from_tables(tables, n_rows))
                    n_rows += len(tables)
                    sw_nominal += sum(t.nominal_weight for t in tables)
                    given = [t for t in tables if t.xsec_pb]
                    if given:
                        xsec_file, xsec_of_weight = given[-1].xsec_pb * 1e3, given[-1].xsec_of_weight
                if max_events is not None and n_rows >= max_events:
                    done = True
                    break
                if bad is None:
                    break
                ordinal, line, _b = todo[bad]
                msg = f"{path}: event {ordinal + 1} (line {line}): malformed or truncated event: {_first_error(text)}"
                if not skip_bad:
                    raise HepMCError(msg)
                stats.bad_events += 1
                stats.bad_examples.append(msg)
                todo = todo[bad + 1 :]
        if done:
            break
    if not footer and not done:
        stats.truncated = True
        if not skip_bad:
            raise HepMCError(f"{path}: file ends without '{_FOOTER.decode()}' after event {n_rows}: truncated")
    if n_rows == 0 and stats.bad_events:
        raise HepMCError(
            f"{path}: none of its {stats.bad_events} events could be read (first: "
            f"{stats.bad_examples[0].split(': ', 1)[-1]})"
        )
    stats.events = n_rows
    stats.seconds = time.perf_counter() - t0
    events = ak.concatenate(parts) if parts else ak.Array([])
    xs = xsec_fb if xsec_fb is not None else xsec_file
    sum_w = float(ak.sum(events.weight)) if n_rows else 0.0
    xs_source = "user (--xsec)" if xsec_fb is not None else ("the file's GenCrossSection" if xs else None)
    if xsec_fb is None and xs and not facts.get("weight_is_first", True):
        if xsec_of_weight:
            xs_source = f"the file's GenCrossSection for weight {weight!r}"
        else:
            # the file's cross section is the nominal weights': a variation keeps its change of the total rate
            # only normalised against their sum (sigma x sum of passing varied weights / sum of nominal weights)
            sum_w = sw_nominal
            xs_source = (
                f"the file's GenCrossSection (the nominal weight's; weight {weight!r} normalised to the sum of the "
                "nominal weights)"
            )
    meta = {
        "model": "hepmc",
        "parameters": {},
        "source_file": str(path),
        "events": n_rows,
        "rows": n_rows,
        "tried": n_rows,
        "oversampling": 1,
        "sum_weights_tried": sum_w,
        "filter_efficiency": 1.0,
        "xsec_fb": xs,
        "xsec_source": xs_source,
        "options": {
            "llp_ids": sorted(llp_ids),
            "displaced_mm": displaced_mm,
            "skip_bad_events": skip_bad,
            **({"invisible_ids": sorted(invisible - INVISIBLE_PDG)} if invisible != INVISIBLE_PDG else {}),
            **({"weight": weight} if weight is not None else {}),
        },
        "bad_events": stats.bad_events,
        "truncated": stats.truncated,
        "beams_sqrt_s_GeV": facts["sqrt_s"],
        "weight_name": facts["weight_name"],
        "visible_bsm_ids": sorted(facts["visible_bsm"]),
        "llps_decayed": facts["llps_decayed"],
        "llps_flying": facts["llps_flying"],
        #: long-lived particles the file leaves undecayed, and those produced in another's decay: the sample can be
        #: simulated as written, not moved in c tau (``lepreint.events.lifetime``)
        "llps_undecayed": facts["llps_undecayed"],
        "llps_nested": facts["llps_nested"],
        "schema": SCHEMA_VERSION,
        "digest": content_digest(events) if n_rows else None,
    }
    if n_rows and len({int(e) for e in np.unique(ak.to_numpy(events.event))}) != len(events):
        # oversampled events written by lepreint: tried counts generated events, not rows
        meta["events"] = int(np.unique(ak.to_numpy(events.event)).size)
        meta["oversampling"] = int(round(len(events) / meta["events"]))
        meta["tried"] = meta["events"]
    return Sample(events, meta, None), stats


class HepMCWriter:
    """Write generated events (slim rows + the generator record they came from) as ASCII HepMC3."""

    def __init__(
        self, path: str | os.PathLike, momentum_unit: str = "GEV", length_unit: str = "MM", copies: str = "all"
    ):
        """``copies``: ``all`` writes every decay copy of an oversampled event (K HepMC events per generated event,
        each with weight w/K and the attributes ``lepreint_event``/``lepreint_copy``); ``one`` writes the first
        copy only, with the event's full weight w (what another program expects: one HepMC event per event).
        Every event carries the cross section (``xsec_pb``, set by the generator before each chunk)."""
        import pyhepmc

        self.path = Path(path)
        if momentum_unit not in _MOMENTUM_SCALE or length_unit not in _LENGTH_SCALE:
            raise HepMCError(f"units must be GEV/MEV and MM/CM, got {momentum_unit}/{length_unit}")
        if copies not in ("all", "one"):
            raise HepMCError(f"copies must be 'all' or 'one', got {copies!r}")
        self.copies = copies
        #: cross section (pb) and its error written into every event (GenCrossSection): that of the events in the
        #: file, i.e. after any generator-level filter (``set_cross_section``); None: not written
        self.xsec_pb: float | None = None
        self.xsec_err_pb: float = 0.0
        #: the generated process's cross section (pb) before any filter, when it comes from a table; None: Pythia's
        self.process_xsec_pb: float | None = None
        self.mu, self.lu = momentum_unit, length_unit
        self.ps = 1.0 / _MOMENTUM_SCALE[momentum_unit]
        self.ls = 1.0 / _LENGTH_SCALE[length_unit]
        self.units = (getattr(pyhepmc.Units, momentum_unit), getattr(pyhepmc.Units, length_unit))
        self._f = pyhepmc.open(self.path, "w")
        self.written = 0

    def set_cross_section(self, total_pb: float, total_err_pb: float, filter_efficiency: float) -> None:
        """The cross section written with the events to come: the generated process's ``total_pb`` times the
        generator-level filter's efficiency so far, since a reader normalises the file's own events by it
        (yield = sigma x sum of passing weights / sum of the file's weights)."""
        self.xsec_pb = float(total_pb) * float(filter_efficiency)
        self.xsec_err_pb = float(total_err_pb) * float(filter_efficiency)

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _p(self, p4_e_first, pid, status, mass=None):
        import pyhepmc

        e, px, py, pz = (float(x) * self.ps for x in p4_e_first)
        part = pyhepmc.GenParticle((px, py, pz, e), int(pid), int(status))
        if mass is not None:
            part.generated_mass = float(mass) * self.ps
        return part

    def _v(self, pos):
        import pyhepmc

        x, y, z, t = (float(v) for v in pos)
        return pyhepmc.GenVertex((x * self.ls, y * self.ls, z * self.ls, t * C_MM_PER_NS * self.ls))

    def write_chunk(self, rows: ak.Array, truth: dict) -> None:
        import pyhepmc

        vis, llps, d, k = truth["vis"], truth["llps"], truth["decays"], truth["k"]
        inv_parts = truth["inv_particles"]
        # rows are event-major, copy-minor (lepreint.events.generation.assemble); the LLPs of event e are the
        # flat entries llps.offsets[e] ... llps.offsets[e + 1] - 1 of the chunk
        ev_of_row = ak.to_numpy(rows.event)
        base = int(ev_of_row[0]) if len(rows) else 0
        beam_e = float(truth.get("ecm_GeV", 13000.0)) / 2
        for r in range(len(rows)):
            e_local = int(ev_of_row[r]) - base
            c = r % k if d is not None else 0
            if self.copies == "one" and c != 0:
                continue
            evt = pyhepmc.GenEvent(*self.units)
            evt.event_number = self.written
            evt.weights = [float(rows.weight[r]) * (k if self.copies == "one" and d is not None else 1)]
            if self.xsec_pb is not None:
                xs = pyhepmc.GenCrossSection()
                xs.set_cross_section(float(self.xsec_pb), float(self.xsec_err_pb))
                evt.cross_section = xs
            evt.attributes["lepreint_event"] = int(ev_of_row[r])
            evt.attributes["lepreint_copy"] = int(c)
            b1 = self._p((beam_e, 0, 0, beam_e), 2212, 4)
            b2 = self._p((beam_e, 0, 0, -beam_e), 2212, 4)
            pv = self._v((0, 0, 0, 0))
            pv.add_particle_in(b1)
            pv.add_particle_in(b2)
            evt.add_vertex(pv)
            lo, hi = vis.offsets[e_local], vis.offsets[e_local + 1]
            vertices = {}
            for i in range(lo, hi):
                key = (vis["vx"][i], vis["vy"][i], vis["vz"][i], vis["vt"][i])
                part = self._p((vis["e"][i], vis["px"][i], vis["py"][i], vis["pz"][i]), vis["pdg"][i], 1)
                if key == (0.0, 0.0, 0.0, 0.0):
                    pv.add_particle_out(part)
                else:
                    # a displaced vertex needs an incoming particle (HepMC3 cannot read one without):
                    # its decaying mother, written with the lepton's momentum as a stand-in
                    if key not in vertices:
                        mother = self._p(
                            (vis["e"][i], vis["px"][i], vis["py"][i], vis["pz"][i]),
                            int(vis["mother"][i]) if "mother" in vis.columns else 0,
                            _PLACEHOLDER_STATUS,
                        )
                        pv.add_particle_out(mother)
                        vertices[key] = self._v(key)
                        vertices[key].add_particle_in(mother)
                        evt.add_vertex(vertices[key])
                    vertices[key].add_particle_out(part)
            if inv_parts:
                for q in inv_parts[e_local]:
                    pv.add_particle_out(self._p((q[4], q[1], q[2], q[3]), q[0], 1))
            lo, hi = llps.offsets[e_local], llps.offsets[e_local + 1]
            for j in range(lo, hi):
                p4 = (llps["e"][j], llps["px"][j], llps["py"][j], llps["pz"][j])
                pid = int(llps["pdg"][j])
                status = 2 if d is not None else 1
                lp = self._p(p4, pid, status, llps["mass"][j])
                pv.add_particle_out(lp)
                if d is None:
                    continue
                sign = 1 if pid > 0 else -1
                dv = self._v(d.vertex[j, c])
                dv.add_particle_in(lp)
                evt.add_vertex(dv)
                dec = truth["decay"]
                dv.add_particle_out(self._p(d.daughter[j, c], dec["daughter_pdg"], 1, dec["m_daughter"]))
                ch = int(d.channel[j, c])
                if ch in (11, 13):
                    dv.add_particle_out(self._p(d.lepton[j, c], -sign * ch, 1))
                    dv.add_particle_out(self._p(d.neutrino[j, c], sign * (ch + 1), 1))
                elif ch == 15:
                    tau = self._p(d.lepton[j, c], -sign * 15, 2)
                    dv.add_particle_out(tau)
                    dv.add_particle_out(self._p(d.neutrino[j, c], sign * 16, 1))
                    tv = self._v(d.visible_vertex[j, c])
                    tv.add_particle_in(tau)
                    evt.add_vertex(tv)
                    vp = int(d.visible_pdg[j, c])
                    if vp:
                        tv.add_particle_out(self._p(d.visible[j, c], -sign * vp, 1))
                    else:
                        tv.add_particle_out(self._p(d.other_visible[j, c], sign * 213, 1))
                    t_inv = d.invisible[j, c] - d.daughter[j, c] - d.neutrino[j, c]
                    tv.add_particle_out(self._p(t_inv, -sign * 16, 1))
                else:
                    dv.add_particle_out(self._p(d.neutrino[j, c], sign * 24, 1))
            self._f.write(evt)
            self.written += 1
