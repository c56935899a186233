"""One sample per (m_c, dm) serves every c tau: move the LLP decay vertices.

The production kinematics and the LLP decay kinematics do not depend on the lifetime; only where the
LLPs decay does.  For a target proper decay length ``ctau`` (mm):

``resample``   draws, for every LLP of every row, a new proper decay length c t ~ Exp(ctau) (``draws``
               independent draws per row, each with weight / draws), moves the decay vertex along the
               LLP's flight direction to x_prod + (p / m) c t, and shifts every daughter lepton's
               production vertex (for a lepton from a tau, the tau's decay vertex: the tau's own
               flight is kept) by the same vector.  d0 and the tracker-volume acceptance then follow in
               the detector stage, from the new vertices.
``expectation`` the same with the decay lengths on a deterministic grid: ``nodes`` bins per LLP with
               log-spaced edges from 10^-3 to 8 ctau (d0 scales with the decay length, and the signal
               regions are decades in d0), each bin's conditional mean as node and its probability as
               weight, every combination of the (at most two) LLPs of a row.  This integrates the row's
               selection probability over its LLPs' exponential decay-length distributions without
               random noise, up to the quadrature's resolution.

Only rows that can pass the analysis' kinematic cuts whatever the lifetime are kept
(``kinematic_prefilter``): d0 and the tracker acceptance depend on c tau, the lepton momenta do not.

The LLPs may be lepreint's own decays or the generator's (Pythia's decays of a sparticle or its R-hadron,
``lepreint.events.generation.pythia``; a HepMC file's LLPs): a lepton from a tau or a b/c hadron of the decay
keeps that particle's own flight and moves with its LLP's decay vertex.

Every c tau is representable by a lepreint sample: the leptons are stored whatever their vertex (no
generator-level displacement or volume cut).  A sample without LLP links cannot be resampled
(``LifetimeError``), e.g. a HepMC file without long-lived ancestors.
"""

from __future__ import annotations

from typing import NamedTuple

import awkward as ak
import numpy as np

from lepreint.config.cards import AnalysisConfig
from lepreint.constants import C_MM_PER_NS
from lepreint.errors import LepreintError
from lepreint.events.slim import Sample

__all__ = [
    "LifetimeError",
    "LLPGeometry",
    "check_movable",
    "decay_lengths",
    "expectation",
    "kinematic_prefilter",
    "llp_geometry",
    "movable",
    "moved_vertices",
    "prefiltered",
    "resample",
    "with_events",
]

#: a lepton this far below the analysis' lowest threshold cannot be smeared above it (GeV, relative)
PREFILTER_MARGIN = 0.8


class LifetimeError(LepreintError):
    pass


def movable(sample: Sample) -> bool:
    """Whether the sample has rows whose leptons are linked to a long-lived particle: what moving needs (a
    prefiltered sample may have none left; ``check_movable`` says why a sample cannot be moved)."""
    ev = sample.events
    if "llps" not in ak.fields(ev) or len(ev) == 0:
        return False
    return bool(np.any(ak.to_numpy(ak.num(ev.llps)) > 0)) and bool(
        np.any(ak.to_numpy(ak.any(ev.leptons.llp >= 0, axis=1)))
    )


def check_movable(sample: Sample) -> None:
    """Raise ``LifetimeError`` (one line) if the sample's decay vertices cannot be moved."""
    ev = sample.events
    where = sample.meta.get("source_file") or sample.path or "sample"
    nested, undecayed = sample.meta.get("llps_nested") or 0, sample.meta.get("llps_undecayed") or 0
    if nested:
        raise LifetimeError(
            f"{where}: {nested} of its long-lived particles come from another one's decay (e.g. chi2 -> chi1+-): "
            "moving one decay would leave the other's start behind, so its c tau cannot be changed (simulate it as "
            "written, or name with --llp-ids only the particle whose c tau is scanned)"
        )
    if undecayed:
        raise LifetimeError(
            f"{where}: {undecayed} of its long-lived particles are not decayed in the file: their products are "
            "unknown, so its c tau cannot be changed (simulate it as written, or let the generator decay them)"
        )
    if "llps" not in ak.fields(ev) or len(ev) == 0:
        raise LifetimeError(f"{sample.path or 'sample'}: no LLP table: cannot move decay vertices")
    n_llp = ak.to_numpy(ak.num(ev.llps))
    linked = ak.to_numpy(ak.any(ev.leptons.llp >= 0, axis=1))
    if not np.any(n_llp > 0) or not np.any(linked):
        raise LifetimeError(
            f"{sample.path or 'sample'}: no lepton is linked to a long-lived ancestor "
            "(a HepMC file without long-lived ancestors?): the c tau of this sample cannot be changed"
        )
    if np.any(n_llp > 2):
        raise LifetimeError(f"{sample.path or 'sample'}: rows with more than two LLPs are not supported")


def kinematic_prefilter(events: ak.Array, cfg: AnalysisConfig) -> np.ndarray:
    """Rows with an opposite-charge (if asked) e-mu pair that could pass the pT and |eta| cuts (``pairing: ee`` or
    ``mumu``: a pair of that flavour; ``leading_two``: two leptons of any flavours that could)."""
    if cfg.parts:  # a combination: rows any of its parts could select
        keep = np.zeros(len(events), bool)
        for part in cfg.parts:
            keep |= kinematic_prefilter(events, part)
        return keep
    lep = events.leptons
    pt = np.hypot(lep.px, lep.py)
    eta = np.arcsinh(lep.pz / np.maximum(pt, 1e-12))
    is_e, is_m = abs(lep.pdg) == 11, abs(lep.pdg) == 13
    ok_e = is_e & (pt > PREFILTER_MARGIN * cfg.electron.pt_min) & (abs(eta) < cfg.electron.abs_eta_max)
    ok_m = is_m & (pt > PREFILTER_MARGIN * cfg.muon.pt_min) & (abs(eta) < cfg.muon.abs_eta_max)
    if cfg.pairing == "leading_two":
        return ak.to_numpy(ak.sum(ok_e | ok_m, axis=1) >= 2)
    if cfg.pairing in ("ee", "mumu"):
        ok = ok_e if cfg.pairing == "ee" else ok_m
        if not cfg.opposite_charge:
            return ak.to_numpy(ak.sum(ok, axis=1) >= 2)
        charge = lep.charge[ok]
        return ak.to_numpy(ak.any(charge > 0, axis=1) & ak.any(charge < 0, axis=1))
    if not cfg.opposite_charge:
        return ak.to_numpy(ak.any(ok_e, axis=1) & ak.any(ok_m, axis=1))
    pairs = ak.cartesian({"e": lep.charge[ok_e], "m": lep.charge[ok_m]}, axis=1)
    return ak.to_numpy(ak.any(pairs.e * pairs.m < 0, axis=1))


class LLPGeometry(NamedTuple):
    """What moving the LLPs' decay vertices needs, flat over all LLPs of all rows (``llp_geometry``)."""

    counts: np.ndarray  #: LLPs per row
    offsets: np.ndarray  #: index of each row's first LLP
    bg: np.ndarray  #: beta gamma
    beta: np.ndarray
    unit: np.ndarray  #: (n, 3) flight direction
    v: np.ndarray  #: (n, 3) production vertex
    vt: np.ndarray
    d: np.ndarray  #: (n, 3) decay vertex
    dt: np.ndarray


def llp_geometry(llp: ak.Array) -> LLPGeometry:
    counts = ak.to_numpy(ak.num(llp))
    f = {
        k: ak.to_numpy(ak.flatten(llp[k])).astype(float)
        for k in ("px", "py", "pz", "e", "mass", "vx", "vy", "vz", "vt", "dx", "dy", "dz", "dt")
    }
    p = np.sqrt(f["px"] ** 2 + f["py"] ** 2 + f["pz"] ** 2)
    unit = np.column_stack([f["px"], f["py"], f["pz"]]) / np.maximum(p, 1e-300)[:, None]
    return LLPGeometry(
        counts,
        np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64),
        p / f["mass"],
        p / f["e"],
        unit,
        np.column_stack([f["vx"], f["vy"], f["vz"]]),
        f["vt"],
        np.column_stack([f["dx"], f["dy"], f["dz"]]),
        f["dt"],
    )


def moved_vertices(g: LLPGeometry, ct_new: np.ndarray, time: bool = True):
    """(new decay vertices (n, 3), their times or None, the shift of each LLP's daughters (n, 3 or 4)) for
    proper decay lengths ``ct_new``; an undecayed LLP has no daughters to move (shift 0)."""
    lab = g.bg * ct_new
    new_d = g.v + g.unit * lab[:, None]
    if not time:
        return new_d, None, np.nan_to_num(new_d - g.d)
    new_t = g.vt + lab / (g.beta * C_MM_PER_NS)
    return new_d, new_t, np.nan_to_num(np.column_stack([new_d - g.d, new_t - g.dt]))


def prefiltered(sample: Sample, cfg: AnalysisConfig) -> Sample:
    """The sample's rows that can pass ``cfg``'s kinematic cuts at some c tau (``kinematic_prefilter``)."""
    return Sample(sample.events[kinematic_prefilter(sample.events, cfg)], sample.meta, sample.path)


def _move(events: ak.Array, ct_new: np.ndarray) -> ak.Array:
    """Rows with the LLPs' proper decay lengths set to ``ct_new`` (flat over all LLPs of all rows)."""
    llp = events.llps
    g = llp_geometry(llp)
    counts = g.counts
    new_d, new_t, shift = moved_vertices(g, ct_new)
    new_llp = ak.with_field(llp, ak.unflatten(new_d[:, 0], counts), "dx")
    new_llp = ak.with_field(new_llp, ak.unflatten(new_d[:, 1], counts), "dy")
    new_llp = ak.with_field(new_llp, ak.unflatten(new_d[:, 2], counts), "dz")
    new_llp = ak.with_field(new_llp, ak.unflatten(new_t, counts), "dt")
    new_llp = ak.with_field(new_llp, ak.unflatten(ct_new, counts), "ctau")
    # each lepton's shift: its LLP's (global index = row offset + local index)
    lep = events.leptons
    lc = ak.to_numpy(ak.num(lep))
    link = ak.to_numpy(ak.flatten(lep.llp)).astype(np.int64)
    offsets = np.repeat(g.offsets, lc)
    has = link >= 0
    gi = np.where(has, offsets + link, 0)
    s = np.where(has[:, None], shift[gi] if len(shift) else np.zeros((len(gi), 4)), 0.0)
    new_lep = lep
    for j, k in enumerate(("vx", "vy", "vz", "vt")):
        new_lep = ak.with_field(new_lep, ak.unflatten(ak.to_numpy(ak.flatten(lep[k])) + s[:, j], lc), k)
    out = ak.with_field(events, new_llp, "llps")
    return ak.with_field(out, new_lep, "leptons")


def _replicate(events: ak.Array, n: int) -> ak.Array:
    idx = np.repeat(np.arange(len(events)), n)
    out = events[idx]
    return ak.with_field(out, ak.to_numpy(out.weight) / n, "weight")


def with_events(sample: Sample, events: ak.Array, ctau: float, how: str) -> Sample:
    meta = {
        **sample.meta,
        "parameters": {**(sample.meta.get("parameters") or {}), "ctau": float(ctau)},
        "lifetime": {
            "from_ctau_mm": (sample.meta.get("parameters") or {}).get("ctau"),
            "to_ctau_mm": float(ctau),
            "method": how,
        },
    }
    return Sample(events, meta, sample.path)


def _rows(sample: Sample, ctau: float, cfg: AnalysisConfig | None) -> ak.Array:
    """The rows to move (checked; prefiltered when an analysis is given)."""
    if not ctau > 0:
        raise LifetimeError(f"ctau must be > 0, got {ctau}")
    check_movable(sample)
    ev = sample.events
    return ev[kinematic_prefilter(ev, cfg)] if cfg is not None else ev


def decay_lengths(seed: int, ctau: float, n: int) -> np.ndarray:
    """``n`` proper decay lengths ~ Exp(ctau), from a stream fixed by (seed, c tau): every c tau of a scan
    has its own draws, the same whichever process computes it."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(round(ctau * 1e6))])).exponential(ctau, n)


def resample(sample: Sample, ctau: float, draws: int = 5, seed: int = 0, cfg: AnalysisConfig | None = None) -> Sample:
    """The sample at proper decay length ``ctau`` (mm) by redrawing decay lengths (see the module docstring)."""
    ev = _replicate(_rows(sample, ctau, cfg), int(draws))
    ct = decay_lengths(seed, ctau, int(ak.sum(ak.num(ev.llps))))
    return with_events(sample, _move(ev, ct), ctau, f"resample x{int(draws)}")


def _nodes(ctau: float, n: int, lo: float = 1e-3, hi: float = 8.0):
    """Decay-length nodes and their probabilities for Exp(ctau): n bins, log-spaced edges from lo x ctau to
    hi x ctau (plus [0, lo] and [hi, inf)); node = the bin's conditional mean, weight = its probability."""
    edges = np.concatenate([[0.0], np.geomspace(lo, hi, n - 1), [np.inf]]) * ctau
    a, b = edges[:-1], edges[1:]
    pa, pb = np.exp(-a / ctau), np.exp(-b / ctau)
    w = pa - pb
    # conditional mean of an exponential in [a, b): ctau + (a pa - b pb) / (pa - pb)  (b pb -> 0 for b = inf)
    with np.errstate(invalid="ignore"):
        bpb = np.where(np.isinf(b), 0.0, b * pb)
    mean = ctau + (a * pa - bpb) / w
    return mean, w


def expectation(sample: Sample, ctau: float, nodes: int = 24, cfg: AnalysisConfig | None = None) -> Sample:
    """The sample at ``ctau`` with decay lengths on a quantile grid (deterministic; see the module docstring)."""
    ev = _rows(sample, ctau, cfg)
    q, qw = _nodes(ctau, nodes)
    n = ak.to_numpy(ak.num(ev.llps))
    pieces = []
    for m in np.unique(n):
        rows = ev[n == m]
        combos = np.array(np.meshgrid(*([q] * int(m)), indexing="ij")).reshape(int(m), -1).T if m else np.zeros((1, 0))
        cw = (
            np.prod(np.array(np.meshgrid(*([qw] * int(m)), indexing="ij")).reshape(int(m), -1), axis=0)
            if m
            else np.ones(1)
        )
        rep = rows[np.repeat(np.arange(len(rows)), len(combos))]
        rep = ak.with_field(rep, ak.to_numpy(rep.weight) * np.tile(cw, len(rows)), "weight")
        ct = np.tile(combos, (len(rows), 1)).ravel()
        pieces.append(_move(rep, ct))
    out = ak.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    return with_events(sample, out, ctau, f"expectation, {nodes} quantile nodes per LLP")
