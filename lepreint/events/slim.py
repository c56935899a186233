"""Slim events: the columnar truth-level record every generator path produces and the detector reads.

A *sample* is an awkward array of rows plus a metadata dict.  One row is one (event, copy):
lepreint decays each generated event's long-lived particles ``K`` times (oversampling, see
``lepreint.generate``); a sample read from HepMC3 or generated with ``K = 1`` has one copy per event.
Rows of the same ``event`` are statistically correlated; ``lepreint.events.slim.weighted_sum`` gives sums
with errors that respect that.

Fields of a row (units: GeV, mm, ns; angles in radians)

==================  ==========  ===================================================================
field               type        meaning
==================  ==========  ===================================================================
event               int64       index of the generated event in the sample (0 ... events - 1)
copy                int32       which of the K decays of that event's LLPs (0 ... K - 1)
weight              float64     generator weight of the event divided by K.  Yields are
                                ``xsec * lumi * sum(weight * pass) / meta['sum_weights_tried']``
leptons             list        visible final-state e and mu with pT > ``LEPTON_MIN_PT``, pT-ordered
  .pdg              int32       PDG id (11 e-, -11 e+, 13 mu-, -13 mu+)
  .charge           int8        electric charge in units of e
  .px .py .pz .e    float64     four-momentum (GeV)
  .vx .vy .vz .vt   float64     production vertex (mm, ns); for a lepton from a tau, the tau's
                                decay vertex
  .llp              int32       index in ``llps`` of the long-lived ancestor, -1 if none
  .iso02 .iso03     float64     scalar sum of pT (GeV) of all other visible final-state particles with
  .iso04                        pT > ``ISO_MIN_PT`` within Delta R = 0.2, 0.3, 0.4 (eta-phi); the
                                lepton itself is excluded, the other leptons are included
jets                list        anti-kT R = 0.4 jets (fastjet) with pT > ``JET_MIN_PT``, pT-ordered
  .px .py .pz .e    float64     four-momentum (GeV)
llps                list        long-lived particles
  .pdg              int32       PDG id
  .mass             float64     mass (GeV)
  .px .py .pz .e    float64     four-momentum (GeV)
  .vx .vy .vz .vt   float64     production vertex (mm, ns)
  .dx .dy .dz .dt   float64     decay vertex (mm, ns); NaN if it did not decay in the record
  .ctau             float64     proper decay length c t of this particle (mm); NaN if undecayed
  .mode             int32       decay mode: |pdg| of the charged lepton (11, 13, 15) or 0 (other);
                                -1 when unknown (HepMC input)
inv_px inv_py       float64     vector sum of the transverse momenta of invisible final-state
                                particles (neutrinos, dark states): the true missing pT
vis_px vis_py       float64     vector sum of the transverse momenta of all visible final-state
                                particles (|eta| unrestricted)
==================  ==========  ===================================================================

Jets: clustered from every visible final-state particle the *generator* produced (Pythia or the
HepMC file), leptons included, as particle-flow jets in Delphes are: the detector stage removes
jets overlapping a selected lepton.  The products of lepreint's own LLP decays are not clustered:
they carry at most dm of energy in the LLP rest frame and, for an e-mu selection, are the selected
leptons themselves.  They do enter the isolation sums and the visible and invisible sums of their
own copy.

Metadata (``Sample.meta``): ``model``, ``parameters``, ``xsec_fb``, ``xsec_source``, ``events``
(generated events kept), ``tried`` (events generated before any filter), ``sum_weights_tried``,
``filter_efficiency``, ``oversampling`` (K), ``seed``, ``options`` (every physics choice),
``versions``, ``config_digest`` (the cache key: a sha256 of the generation config) and ``digest``
(a sha256 of the event content: equal digests mean identical samples).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from lepreint.errors import LepreintError

__all__ = [
    "SCHEMA_VERSION",
    "LEPTON_MIN_PT",
    "ISO_MIN_PT",
    "ISO_CONES",
    "JET_R",
    "JET_MIN_PT",
    "INVISIBLE_PDG",
    "Ragged",
    "Sample",
    "cache_root",
    "config_digest",
    "content_digest",
    "save_sample",
    "load_sample",
    "find_sample",
    "isolation_sums",
    "cluster_jets",
    "weighted_sum",
    "SampleError",
    "llp_leptons_in_jets",
]

SCHEMA_VERSION = 1
#: leptons below this pT (GeV) are not stored (they still count in isolation sums)
LEPTON_MIN_PT = 2.0
#: particles below this pT (GeV) do not count in isolation sums (Delphes' CMS card uses 0.5 GeV)
ISO_MIN_PT = 0.5
ISO_CONES = (0.2, 0.3, 0.4)
JET_R = 0.4
JET_MIN_PT = 15.0
#: invisible final-state particles: neutrinos and the usual dark states (neutralinos, gravitino,
#: sneutrinos, heavy neutral leptons are *not* here: they decay)
INVISIBLE_PDG = frozenset({12, 14, 16, 1000012, 1000014, 1000016, 1000022, 1000039, 51, 52, 53})

_LEPTON_FIELDS = ("pdg", "charge", "px", "py", "pz", "e", "vx", "vy", "vz", "vt", "llp", "iso02", "iso03", "iso04")
_JET_FIELDS = ("px", "py", "pz", "e")
_LLP_FIELDS = ("pdg", "mass", "px", "py", "pz", "e", "vx", "vy", "vz", "vt", "dx", "dy", "dz", "dt", "ctau", "mode")


def llp_leptons_in_jets(meta: dict) -> bool:
    """Whether the slim jets contain the leptons of the LLP decays: yes when the generator decayed the LLPs of a
    generated sample (Pythia's decays are in its record, clustered like everything else); no for lepreint's own
    decays (their products are not clustered) and for HepMC3 input (the reader leaves LLP descendants out of the
    jets).  The lepton-in-a-jet requirement takes out of each jet the leptons it holds."""
    return meta.get("model") not in (None, "hepmc") and meta.get("llp_decay") is None


class SampleError(LepreintError):
    """A sample on disk that cannot be read (missing, wrong schema)."""


@dataclass
class Ragged:
    """A flat table of per-item columns split into rows by ``offsets`` (length rows + 1)."""

    offsets: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def rows(self) -> int:
        return self.offsets.size - 1

    def row_index(self) -> np.ndarray:
        """Row of each item."""
        return np.repeat(np.arange(self.rows), self.counts)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    @classmethod
    def from_counts(cls, counts, **columns) -> Ragged:
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(offsets, {k: np.ascontiguousarray(v) for k, v in columns.items()})

    def take_items(self, mask: np.ndarray) -> Ragged:
        """Keep the items where ``mask`` is true (rows unchanged)."""
        counts = np.bincount(self.row_index()[mask], minlength=self.rows)
        return Ragged.from_counts(counts, **{k: v[mask] for k, v in self.columns.items()})

    def to_awkward(self, fields) -> ak.Array:
        return ak.unflatten(ak.zip({f: self.columns[f] for f in fields}, depth_limit=1), self.counts)


def _pt_eta_phi(px, py, pz):
    pt = np.hypot(px, py)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.arcsinh(np.where(pt > 0, pz / np.where(pt > 0, pt, 1.0), np.sign(pz) * 1e10))
    return pt, np.clip(eta, -50, 50), np.arctan2(py, px)


def isolation_sums(
    lep_row: np.ndarray,
    lep_p: tuple[np.ndarray, np.ndarray, np.ndarray],
    lep_self: np.ndarray,
    others: Ragged,
    cones=ISO_CONES,
    min_pt: float = ISO_MIN_PT,
    chunk_pairs: int = 20_000_000,
) -> np.ndarray:
    """Sum of pT of the particles of ``others`` within each cone around each lepton.

    ``lep_row``: the row of ``others`` each lepton looks at.
    ``lep_self``: index (within its row of ``others``) of the lepton itself, -1 if it is not there.
    ``others`` needs columns px, py, pz.  Returns (n_leptons, len(cones)).
    """
    rows = lep_row
    out = np.zeros((rows.size, len(cones)))
    if rows.size == 0:
        return out
    # drop the particles below threshold once (they never count), remapping the self indices
    opt_all = np.hypot(others["px"], others["py"])
    keep_o = opt_all > min_pt
    if not keep_o.all():
        item_row = others.row_index()
        new_index = np.cumsum(keep_o) - 1  # global index among kept items
        new_counts = np.bincount(item_row[keep_o], minlength=others.rows)
        new_offsets = np.zeros(others.rows + 1, dtype=np.int64)
        np.cumsum(new_counts, out=new_offsets[1:])
        lep_self = np.asarray(lep_self)
        has_self = lep_self >= 0
        g = np.clip(others.offsets[rows] + np.where(has_self, lep_self, 0), 0, max(keep_o.size - 1, 0))
        self_kept = has_self & keep_o[g] if keep_o.size else np.zeros_like(has_self)
        lep_self = np.where(self_kept, new_index[g] - new_offsets[rows] if keep_o.size else -1, -1)
        others = Ragged(new_offsets, {c: others[c][keep_o] for c in ("px", "py", "pz")})
    opt, oeta, ophi = _pt_eta_phi(others["px"], others["py"], others["pz"])
    lpt, leta, lphi = _pt_eta_phi(*lep_p)
    counts = others.counts[rows]
    starts = others.offsets[rows]
    cones2 = np.asarray(cones) ** 2
    # process leptons in blocks so that the pair arrays stay bounded in memory
    bounds = [0]
    acc = np.cumsum(counts)
    while bounds[-1] < rows.size:
        base = acc[bounds[-1] - 1] if bounds[-1] > 0 else 0
        nxt = int(np.searchsorted(acc, base + chunk_pairs, side="right"))
        bounds.append(max(nxt, bounds[-1] + 1))
    for a, b in zip(bounds[:-1], bounds[1:]):
        c = counts[a:b]
        if c.sum() == 0:
            continue
        li = np.repeat(np.arange(a, b), c)
        local = np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c)
        oi = np.repeat(starts[a:b], c) + local
        keep = (opt[oi] > min_pt) & (local != lep_self[li])
        li, oi = li[keep], oi[keep]
        dphi = np.remainder(ophi[oi] - lphi[li] + np.pi, 2 * np.pi) - np.pi
        dr2 = (oeta[oi] - leta[li]) ** 2 + dphi**2
        for k, c2 in enumerate(cones2):
            inside = dr2 < c2
            out[:, k] += np.bincount(li[inside], weights=opt[oi][inside], minlength=rows.size)
    return out


@contextlib.contextmanager
def _stdout_to_devnull():
    """FastJet prints a banner on C++'s stdout the first time it clusters: keep it out of --json output."""
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


_FASTJET_BANNER_SHOWN = False


def cluster_jets(particles: Ragged, r: float = JET_R, min_pt: float = JET_MIN_PT) -> Ragged:
    """Anti-kT jets of each row of ``particles`` (columns px, py, pz, e), pT-ordered."""
    global _FASTJET_BANNER_SHOWN
    import fastjet

    arr = ak.unflatten(
        ak.zip({"px": particles["px"], "py": particles["py"], "pz": particles["pz"], "E": particles["e"]}),
        particles.counts,
    )
    jetdef = fastjet.JetDefinition(fastjet.antikt_algorithm, r)
    if particles.rows == 0 or len(particles["px"]) == 0:
        return Ragged.from_counts(np.zeros(particles.rows, dtype=np.int64), **{f: np.zeros(0) for f in _JET_FIELDS})
    if not _FASTJET_BANNER_SHOWN:
        with _stdout_to_devnull():
            jets = fastjet.ClusterSequence(arr, jetdef).inclusive_jets(min_pt=min_pt)
        _FASTJET_BANNER_SHOWN = True
    else:
        jets = fastjet.ClusterSequence(arr, jetdef).inclusive_jets(min_pt=min_pt)
    pt = np.hypot(jets.px, jets.py)
    jets = jets[ak.argsort(pt, axis=1, ascending=False)]
    counts = ak.to_numpy(ak.num(jets))
    flat = {f: ak.to_numpy(ak.flatten(jets[g])).astype(float) for f, g in zip(_JET_FIELDS, ("px", "py", "pz", "E"))}
    return Ragged.from_counts(counts, **flat)


def rows_to_awkward(
    event: np.ndarray,
    copy: np.ndarray,
    weight: np.ndarray,
    leptons: Ragged,
    jets: Ragged,
    llps: Ragged,
    inv: np.ndarray,
    vis: np.ndarray,
) -> ak.Array:
    """Assemble slim-event rows from per-row tables (see the module docstring for the fields)."""
    # pT-order leptons within each row
    lep = leptons
    if len(lep["px"]):
        pt = np.hypot(lep["px"], lep["py"])
        order = np.lexsort((-pt, lep.row_index()))
        lep = Ragged(lep.offsets, {k: v[order] for k, v in lep.columns.items()})
    return ak.zip(
        {
            "event": np.asarray(event, dtype=np.int64),
            "copy": np.asarray(copy, dtype=np.int32),
            "weight": np.asarray(weight, dtype=np.float64),
            "leptons": lep.to_awkward(_LEPTON_FIELDS),
            "jets": jets.to_awkward(_JET_FIELDS),
            "llps": llps.to_awkward(_LLP_FIELDS),
            "inv_px": np.ascontiguousarray(inv[:, 0], dtype=np.float64),
            "inv_py": np.ascontiguousarray(inv[:, 1], dtype=np.float64),
            "vis_px": np.ascontiguousarray(vis[:, 0], dtype=np.float64),
            "vis_py": np.ascontiguousarray(vis[:, 1], dtype=np.float64),
        },
        depth_limit=1,
    )


def typed_columns(**columns) -> dict[str, np.ndarray]:
    """Cast the columns of a lepton/llp table to the schema's dtypes."""
    ints = {"pdg": np.int32, "charge": np.int8, "llp": np.int32, "mode": np.int32}
    return {k: np.asarray(v, dtype=ints.get(k, np.float64)) for k, v in columns.items()}


# --------------------------------------------------------------------------------------------
# samples on disk
# --------------------------------------------------------------------------------------------


@dataclass
class Sample:
    events: ak.Array
    meta: dict[str, Any]
    path: Path | None = None
    #: True when ``generate`` found it in the cache instead of generating it
    cache_hit: bool = False

    @property
    def digest(self) -> str:
        return self.meta["digest"]

    def summary(self) -> dict[str, Any]:
        ev = self.events
        return {
            "sample": str(self.path) if self.path else None,
            "digest": self.meta.get("digest"),
            "config_digest": self.meta.get("config_digest"),
            "model": self.meta.get("model"),
            "parameters": self.meta.get("parameters"),
            "events": int(self.meta.get("events", 0)),
            "rows": len(ev),
            "oversampling": self.meta.get("oversampling", 1),
            "tried": int(self.meta.get("tried", 0)),
            "filter_efficiency": self.meta.get("filter_efficiency"),
            "xsec_fb": self.meta.get("xsec_fb"),
            "xsec_source": self.meta.get("xsec_source"),
            "llps": int(ak.sum(ak.num(ev.llps))) if len(ev) else 0,
            "leptons": int(ak.sum(ak.num(ev.leptons))) if len(ev) else 0,
            "jets": int(ak.sum(ak.num(ev.jets))) if len(ev) else 0,
            "seed": self.meta.get("seed"),
            "options": self.meta.get("options"),
            "llp_summary": llp_summary(ev),
            "leptons_by_flavour": leptons_by_flavour(ev),
        }


def llp_summary(events: ak.Array) -> list[dict[str, Any]]:
    """Per LLP PDG id (particle and antiparticle together, as ``abs``): how many (over all rows) and the mean
    proper decay length ``c t`` in mm of those that decayed (None if none did): what a reader found."""
    if not len(events):
        return []
    pdg = np.abs(ak.to_numpy(ak.flatten(events.llps.pdg)).astype(np.int64))
    ct = ak.to_numpy(ak.flatten(events.llps.ctau)).astype(float)
    out = []
    for pid in np.unique(pdg):
        sel = pdg == pid
        decayed = ct[sel][np.isfinite(ct[sel])]
        out.append(
            {
                "pdg_id": int(pid),
                "count": int(sel.sum()),
                "decayed": int(decayed.size),
                "mean_ctau_mm": float(decayed.mean()) if decayed.size else None,
            }
        )
    return out


def leptons_by_flavour(events: ak.Array) -> dict[str, int]:
    """Stored leptons (pT > ``LEPTON_MIN_PT``) per flavour, over all rows."""
    if not len(events):
        return {"e": 0, "mu": 0}
    pdg = np.abs(ak.to_numpy(ak.flatten(events.leptons.pdg)))
    return {"e": int(np.sum(pdg == 11)), "mu": int(np.sum(pdg == 13))}


def cache_root() -> Path:
    """``$LEPREINT_CACHE``, default ``~/.cache/lepreint``."""
    return Path(os.environ.get("LEPREINT_CACHE") or Path.home() / ".cache" / "lepreint")


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def config_digest(config: dict) -> str:
    """sha256 of a generation config (canonical JSON): the cache key of a sample."""
    return hashlib.sha256(_canonical({"schema": SCHEMA_VERSION, **config}).encode()).hexdigest()


def content_digest(events: ak.Array) -> str:
    """sha256 of the event content (every column's bytes, in schema order)."""
    h = hashlib.sha256()
    h.update(str(SCHEMA_VERSION).encode())
    form, length, buffers = ak.to_buffers(ak.to_packed(events))
    h.update(form.to_json().encode())
    h.update(str(length).encode())
    for key in sorted(buffers):
        h.update(key.encode())
        h.update(np.ascontiguousarray(buffers[key]).tobytes())
    return h.hexdigest()


def sample_dir(config_digest_: str) -> Path:
    return cache_root() / "samples" / config_digest_[:16]


def save_sample(events: ak.Array, meta: dict, path: str | os.PathLike | None = None) -> Sample:
    """Write ``events.parquet`` and ``meta.json`` into a folder, atomically (temp folder + rename)."""
    meta = dict(meta)
    meta["schema"] = SCHEMA_VERSION
    meta["digest"] = content_digest(events)
    target = Path(path) if path is not None else sample_dir(meta["config_digest"])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=target.name + ".", suffix=".tmp"))
    try:
        ak.to_parquet(ak.to_packed(events), tmp / "events.parquet", compression="zstd")
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True, default=str))
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.replace(tmp, target)
        except OSError:
            # another process saved the same sample (same key, same content) meanwhile: keep theirs
            if not (target / "events.parquet").is_file():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Sample(events, meta, target)


def load_sample(path: str | os.PathLike) -> Sample:
    """Read a sample folder (or its ``events.parquet``/``meta.json``)."""
    p = Path(path)
    if p.is_file():
        p = p.parent
    meta_file, ev_file = p / "meta.json", p / "events.parquet"
    if not meta_file.is_file() or not ev_file.is_file():
        raise SampleError(f"{p}: not a lepreint sample (needs meta.json and events.parquet)")
    try:
        meta = json.loads(meta_file.read_text())
    except json.JSONDecodeError as exc:
        raise SampleError(f"{meta_file}: unreadable metadata ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(meta, dict):
        raise SampleError(f"{meta_file}: expected a mapping of metadata, got a {type(meta).__name__}")
    if meta.get("schema") != SCHEMA_VERSION:
        raise SampleError(f"{meta_file}: schema {meta.get('schema')!r}, this lepreint reads {SCHEMA_VERSION}")
    for key in ("xsec_fb", "sum_weights_tried", "filter_efficiency"):
        v = meta.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0):
            raise SampleError(f"{meta_file}: {key}: expected a finite number >= 0, got {v!r}")
    try:
        events = ak.from_parquet(ev_file)
    except Exception as exc:  # pyarrow's errors for a damaged file are of many types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SampleError(f"{ev_file}: unreadable events ({first})") from None
    missing = [f for f in ("event", "weight", "leptons") if f not in events.fields]
    if missing:
        raise SampleError(f"{ev_file}: not lepreint's slim events (no {', '.join(missing)})")
    return Sample(events, meta, p)


def find_sample(config: dict) -> Sample | None:
    """The cached sample for a generation config, or None."""
    d = sample_dir(config_digest(config))
    if (d / "meta.json").is_file() and (d / "events.parquet").is_file():
        s = load_sample(d)
        if s.meta.get("config_digest") == config_digest(config):
            return s
    return None


def weighted_sum(events: ak.Array, passed: np.ndarray) -> tuple[float, float]:
    """Sum of ``weight`` over rows that pass, and its statistical error.

    Rows of the same event (the K copies of oversampling) are correlated: the variance is
    sum over events of (sum over that event's passing copies of weight)^2, which is the
    plain sum of w^2 when K = 1 and the right (larger) error when copies share an event.
    """
    w = ak.to_numpy(events.weight) * np.asarray(passed, dtype=float)
    ev = ak.to_numpy(events.event)
    per_event = np.bincount(ev, weights=w)
    return float(w.sum()), float(np.sqrt(np.sum(per_event**2)))
