"""Every c tau of one sample, with the work that does not depend on c tau done once.

``LifetimeScan(sample, ...).evaluate(ctau)`` returns what ``lifetime.resample`` followed by the detector,
the selection and (optionally) the network gives (``analysis.projection.nn_signal`` and
``analysis.yields.signal_yields``), to floating-point rounding: the same decay-length draws, the same
smearing draws, the same pair probabilities.  It is how a scan evaluates its points; the slow chain stays
the reference, and ``tests/test_lifetime_scan.py`` checks that both agree.

What moves with c tau is only where the leptons are produced.  Once per sample:

* the rows are replicated ``draws`` times (as ``resample``) and ``Detector.prepare`` smears momenta, looks
  up the prompt efficiencies, computes isolation, smears the jets (one random stream, as ``simulate``);
* the candidate e-mu pairs are listed: leptons passing preselection and isolation, opposite charge and the
  pT thresholds (none of which depends on the vertex);
* the nine features of every pair and the network's score.  The features depend on the vertex in one way
  only: a jet is removed when a *reconstructed* lepton above 10 GeV lies within Delta R 0.4 of it, and
  whether a third lepton of the event is reconstructed depends on its vertex.  So each pair gets one
  feature row per subset of such third leptons (almost always one row: most pairs have none) and each
  point picks the row of the leptons reconstructed there.

Per c tau: new proper decay lengths for every LLP, the leptons' production vertices, d0, the tracker
acceptance and the identification probabilities, the pair probabilities eff_e eff_mu prod(1 - eff_others),
the signal regions and the weighted sums: flat numpy on the candidate leptons, no awkward arrays.

A detector whose missing pT is built from the reconstructed objects (``negative_objects_sum``) or events
with more than ``MAX_THIRD_LEPTONS`` such third leptons around one pair are not factorised:
``LifetimeScan.supported`` is False with the reason, and a scan uses the slow chain for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np

from lepreint.analysis.features import feature_matrix
from lepreint.analysis.leading_pair import select_leading_pair
from lepreint.analysis.selection import (
    CHANNELS,
    id_efficiency,
    lepton_ok,
    near_jet,
    pair_dr_ok,
    pair_probability,
    region_masks,
)
from lepreint.analysis.yields import check_energy, check_jet_input, normalisation, resolve_xsec
from lepreint.config.cards import AnalysisConfig
from lepreint.detector.simulate import LEPTON_OVERLAP_MIN_PT, Detector
from lepreint.events.lifetime import (
    LifetimeError,
    _replicate,
    check_movable,
    decay_lengths,
    llp_geometry,
    moved_vertices,
)
from lepreint.events.slim import llp_leptons_in_jets

__all__ = ["CombinedScan", "LifetimeScan", "LeadingPairScan", "PointYields", "MAX_THIRD_LEPTONS"]

#: at most this many third leptons whose reconstruction changes a pair's jets (2^n feature rows per pair)
MAX_THIRD_LEPTONS = 6


@dataclass
class PointYields:
    """Yields at one c tau, at the analysis card's luminosity, per signal region."""

    ctau: float
    S: list[float]  #: before the network
    S_err: list[float]
    S_nn: list[float] | None  #: after NN >= cut (None without a classifier)
    S_nn_err: list[float] | None
    xsec_fb: float


def _lepton_vertices(scan, ctau: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The production points (x, y, z) of a scan's leptons (``lep_v``) with their LLPs (``lep_has``, ``lep_gi``)
    decaying at new proper decay lengths Exp(c tau), drawn as ``lifetime.resample`` draws them."""
    _, _, shift = moved_vertices(scan.geom, decay_lengths(scan.seed, ctau, scan.n_llp), time=False)
    s = np.where(scan.lep_has[:, None], shift[scan.lep_gi] if scan.n_llp else 0.0, 0.0)
    return scan.lep_v[:, 0] + s[:, 0], scan.lep_v[:, 1] + s[:, 1], scan.lep_v[:, 2] + s[:, 2]


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s + n) for each (s, n)."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offs = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + (np.arange(total) - offs)


class LifetimeScan:
    def __init__(
        self,
        sample,
        analysis: AnalysisConfig,
        detector: Detector,
        classifier=None,
        cut: float = 0.9,
        draws: int = 5,
        seed: int = 0,
        xsec_source: str | None = None,
        detector_seed: int = 0,
    ):

        check_movable(sample)
        check_energy(sample, analysis)
        check_jet_input(sample, analysis)
        self.cfg, self.det, self.cut, self.seed = analysis, detector, float(cut), int(seed)
        self.has_nn = classifier is not None
        self.xsec_fb, _ = resolve_xsec(sample, xsec_source)
        self.supported, self.reason = True, ""
        if analysis.pairing not in CHANNELS:  # the decay vertices are moved and the full chain run (resample)
            self.supported, self.reason = False, f"pairing {analysis.pairing!r} (the fast path lists lepton pairs)"
            return
        if classifier is not None and analysis.pairing != "emu":
            self.supported, self.reason = False, "the network classifies e-mu pairs"
            return
        if detector.missing_pt not in ("truth_invisible", "negative_visible_sum"):
            self.supported, self.reason = (
                False,
                f"missing pT {detector.missing_pt!r} depends on the reconstructed leptons",
            )
            return
        ev = _replicate(sample.events, int(draws))
        self.norm = normalisation(sample)
        prep = detector.prepare(ev, np.random.default_rng(detector_seed), llp_leptons_in_jets(sample.meta))
        self.row_weight = prep.weight.astype(float)
        self.row_event = prep.event
        self._setup_llps(ev)
        self._setup_leptons(prep)
        others = self._setup_features(prep, classifier) if self.has_nn else np.zeros((self.pair_e.size, 0), np.int64)
        if self.supported:
            self._finish_leptons(ev, prep, others)

    # ---- once per sample -------------------------------------------------------------------------------
    def _setup_llps(self, ev: ak.Array) -> None:
        self.geom = llp_geometry(ev.llps)
        self.n_llp = int(self.geom.counts.sum())

    def _setup_leptons(self, prep) -> None:
        cfg = self.cfg
        lrow = np.repeat(np.arange(prep.counts.size), prep.counts)
        is_e, is_m = prep.apdg == 11, prep.apdg == 13
        cand = lepton_ok(is_e, prep.pt, prep.eta, prep.iso, cfg, prep.phi) & (is_e | is_m)
        n_rows = prep.counts.size
        fa, fb = CHANNELS[cfg.pairing]
        self.same_flavour = fa if fa == fb else 0
        if fa != fb:
            # candidate pairs in ak.cartesian's order (each electron with each muon of its row)
            e_idx, m_idx = np.flatnonzero(cand & is_e), np.flatnonzero(cand & is_m)
            n_m = np.bincount(lrow[m_idx], minlength=n_rows)
            m_start = np.concatenate([[0], np.cumsum(n_m)[:-1]])
            reps = n_m[lrow[e_idx]]
            pe = np.repeat(e_idx, reps)
            pm = m_idx[_ranges(m_start[lrow[e_idx]], reps)]
        else:
            # every two candidates of the flavour in a row, the leading one first (as ak.combinations on the
            # candidates sorted in pT)
            f_idx = np.flatnonzero(cand & (prep.apdg == fa))
            f_idx = f_idx[np.lexsort((-prep.pt[f_idx], lrow[f_idx]))]
            frow = lrow[f_idx]
            n_f = np.bincount(frow, minlength=n_rows)
            rank = np.arange(f_idx.size) - (np.cumsum(n_f) - n_f)[frow]
            later = n_f[frow] - rank - 1
            pe = f_idx[np.repeat(np.arange(f_idx.size), later)]
            pm = f_idx[_ranges(np.arange(f_idx.size) + 1, later)]
        cuts = {11: cfg.electron, 13: cfg.muon}
        keep = (prep.pt[pe] > cuts[fa].pt_min) & (prep.pt[pm] > cuts[fb].pt_min)
        keep &= pair_dr_ok(prep.eta[pe], prep.phi[pe], prep.eta[pm], prep.phi[pm], cfg)
        near = near_jet(lrow, prep.eta, prep.phi, prep.residual_jets, cfg)
        keep &= ~near[pe] & ~near[pm]
        if cfg.opposite_charge:
            keep &= prep.charge[pe] * prep.charge[pm] < 0
        pe, pm = pe[keep], pm[keep]
        prow = lrow[pe]
        active = np.zeros(n_rows, bool)
        active[prow] = True
        # the leptons whose vertex matters: candidates of rows with a pair (they enter prod(1 - eff)) and
        # the third leptons that can remove a pair's jets (set in _setup_features)
        self._lrow, self._cand = lrow, cand
        self.pair_e, self.pair_m, self.pair_row = pe, pm, prow
        self._active = active
        self._useful = cand & active[lrow]

    def _finish_leptons(self, ev: ak.Array, prep, others: np.ndarray) -> None:
        """Restrict the per-point work to the useful leptons; ``others``: (pairs, k) lepton indices or -1."""
        useful = self._useful.copy()
        useful[others[others >= 0]] = True
        idx = np.flatnonzero(useful)
        pos = np.full(useful.size, -1, np.int64)
        pos[idx] = np.arange(idx.size)
        self.sub = prep.select_leptons(idx)
        lep = ev.leptons
        self.lep_v = np.column_stack([ak.to_numpy(ak.flatten(lep[k]))[idx] for k in ("vx", "vy", "vz")])
        link = prep.llp[idx].astype(np.int64)
        self.lep_has = link >= 0
        self.lep_gi = np.where(self.lep_has, self.geom.offsets[self._lrow[idx]] + link, 0)
        # candidates among them, per compact row, in lepton order (for the sequential product of 1 - eff)
        cand_u = np.flatnonzero(self._cand[idx])
        rows_active = np.flatnonzero(self._active)
        row_pos = np.full(self._active.size, -1, np.int64)
        row_pos[rows_active] = np.arange(rows_active.size)
        crow = row_pos[self._lrow[idx[cand_u]]]
        first = np.concatenate([[0], np.flatnonzero(np.diff(crow)) + 1]) if crow.size else np.zeros(0, np.int64)
        rank = np.arange(crow.size) - np.repeat(first, np.diff(np.append(first, crow.size)))
        self.cand_u, self.cand_row = cand_u, crow
        self.cand_slots = [np.flatnonzero(rank == k) for k in range(int(rank.max()) + 1 if rank.size else 0)]
        self.rows_active = rows_active
        self.pe_u, self.pm_u = pos[self.pair_e], pos[self.pair_m]
        self.prow_c = row_pos[self.pair_row]
        self.others_u = np.where(others >= 0, pos[np.maximum(others, 0)], -1)

    def _setup_features(self, prep, classifier) -> np.ndarray | None:
        """Feature rows and scores of every (pair, subset of third leptons); returns the third leptons."""

        det, pe, pm, prow = self.det, self.pair_e, self.pair_m, self.pair_row
        rows = np.flatnonzero(self._active)
        row_pos = np.full(self._active.size, -1, np.int64)
        row_pos[rows] = np.arange(rows.size)
        jets = prep.jets[rows]
        nj = max(int(ak.max(ak.num(jets))) if len(jets) else 0, 1)
        pad = {
            k: ak.to_numpy(ak.fill_none(ak.pad_none(jets[k], nj, clip=True), np.nan)).astype(float)
            for k in ("pt", "eta", "phi")
        }
        valid = ~np.isnan(pad["pt"])
        jpt = np.where(valid, pad["pt"], 0.0)
        # leptons above the overlap threshold in the active rows and the jets each would remove
        dr_max = float(det.jets.get("lepton_overlap_dr", 0.0))
        heavy = (prep.pt > LEPTON_OVERLAP_MIN_PT) & self._active[self._lrow]
        h_idx = np.flatnonzero(heavy)
        hrow = row_pos[self._lrow[h_idx]]
        if dr_max > 0 and h_idx.size:
            dphi = (pad["phi"][hrow] - prep.phi[h_idx, None] + np.pi) % (2 * np.pi) - np.pi
            dr2 = (pad["eta"][hrow] - prep.eta[h_idx, None]) ** 2 + dphi**2
            ov_h = valid[hrow] & (dr2 < dr_max**2)
        else:
            ov_h = np.zeros((h_idx.size, nj), bool)
        ov = np.zeros((prep.pt.size, nj), bool)
        ov[h_idx] = ov_h
        base = ov[pe] | ov[pm]  # the pair's own leptons are reconstructed whenever the pair counts
        # third leptons of the pair's row that would remove a jet the pair's leptons leave
        h_start = np.searchsorted(hrow, np.arange(rows.size))
        h_count = np.bincount(hrow, minlength=rows.size)
        pr = row_pos[prow]
        cand_pairs = np.repeat(np.arange(pe.size), h_count[pr])
        cand_lep = h_idx[_ranges(h_start[pr], h_count[pr])]
        matters = (
            (cand_lep != pe[cand_pairs])
            & (cand_lep != pm[cand_pairs])
            & np.any(ov[cand_lep] & ~base[cand_pairs], axis=1)
        )
        cand_pairs, cand_lep = cand_pairs[matters], cand_lep[matters]
        k = np.bincount(cand_pairs, minlength=pe.size)
        kmax = int(k.max()) if k.size else 0
        if kmax > MAX_THIRD_LEPTONS:
            self.supported = False
            self.reason = f"a pair has {kmax} third leptons near jets (more than {MAX_THIRD_LEPTONS})"
            return None
        others = np.full((pe.size, kmax), -1, np.int64)
        if cand_pairs.size:
            first = np.searchsorted(cand_pairs, cand_pairs)
            others[cand_pairs, np.arange(cand_pairs.size) - first] = cand_lep
        # one feature row per (pair, subset of its third leptons reconstructed)
        n_var = 2**k
        self.var_offset = np.concatenate([[0], np.cumsum(n_var)[:-1]]).astype(np.int64)
        vp = np.repeat(np.arange(pe.size), n_var)
        bits = np.arange(vp.size) - np.repeat(self.var_offset, n_var)
        removed = base[vp].copy()
        for j in range(kmax):
            on = ((bits >> j) & 1).astype(bool) & (others[vp, j] >= 0)
            removed[on] |= ov[others[vp[on], j]]
        jr = row_pos[prow[vp]]
        keep_jet = valid[jr] & ~removed
        x = feature_matrix(
            prep.pt[pe[vp]],
            prep.eta[pe[vp]],
            prep.phi[pe[vp]],
            prep.pt[pm[vp]],
            prep.eta[pm[vp]],
            prep.phi[pm[vp]],
            np.where(keep_jet, jpt[jr], 0.0),
            np.where(keep_jet, pad["phi"][jr], 0.0),
            np.asarray(prep.met, dtype=float)[prow[vp]],
        )
        self.scores = classifier.predict(x) if vp.size else np.zeros(0)
        self.n_third = k
        return others

    # ---- per c tau -------------------------------------------------------------------------------------
    def region_events(self, ctau: float) -> list[np.ndarray]:
        """Per signal region, each event's weighted probability (summed over its copies and pairs), unscaled: what
        ``evaluate`` sums, kept per event for combinations of analyses on the same sample (``CombinedScan``)."""
        p, masks, _ = self._pairs(ctau)
        n_events = int(self.row_event.max()) + 1 if self.row_event.size else 0
        return [self._per_event(np.where(m, p, 0.0), n_events) for m in masks]

    def evaluate(self, ctau: float) -> PointYields:
        cfg = self.cfg
        p, masks, eff_det = self._pairs(ctau)
        scale = self.xsec_fb * cfg.luminosity / self.norm
        S, S_err = zip(*(self._sum(np.where(m, p, 0.0), scale) for m in masks)) if masks else ((), ())
        S_nn = S_nn_err = None
        if self.has_nn:
            region = np.full(p.size, -1, np.int64)
            for i, m in enumerate(masks):
                region[m] = i
            bits = np.zeros(p.size, np.int64)
            for j in range(self.others_u.shape[1]):
                o = self.others_u[:, j]
                bits |= ((o >= 0) & (eff_det[np.maximum(o, 0)] > 0)).astype(np.int64) << j
            passed = self.scores[self.var_offset + bits] >= self.cut if p.size else np.zeros(0, bool)
            S_nn, S_nn_err = [], []
            for i in range(len(masks)):
                tot, err = self._sum(np.where((region == i) & passed, p, 0.0), scale)
                S_nn.append(tot)
                S_nn_err.append(err)
        return PointYields(float(ctau), list(S), list(S_err), S_nn, S_nn_err, self.xsec_fb)

    def _pairs(self, ctau: float):
        """(each pair's probability to be the selected one, inside the d0 veto; the region masks; the leptons'
        detector efficiencies) at ``ctau``."""
        if not self.supported:
            raise RuntimeError(f"LifetimeScan not supported here: {self.reason}")
        if not ctau > 0:
            raise LifetimeError(f"ctau must be > 0, got {ctau}")
        cfg, det = self.cfg, self.det
        vx, vy, vz = _lepton_vertices(self, ctau)
        d0 = det.impact_parameter(self.sub, vx, vy)
        eff_det = det.efficiency(self.sub, vx, vy, vz, d0)  # reconstructed (removes jets), as ``Detector.finish``
        eff = id_efficiency(self.sub.apdg == 11, np.hypot(vx, vy), eff_det, cfg)  # identified, as ``select``
        # P(this pair is the identified one) = eff_e eff_mu prod_(other counted candidates) (1 - eff), as ``select``
        # (same-flavour channels: the other flavour's candidates count above the card's veto |d0| only)
        q = 1.0 - eff[self.cand_u]
        certain = q <= 0.0
        if self.same_flavour:
            counted = self.sub.apdg[self.cand_u] == self.same_flavour
            if cfg.veto_other_flavour_d0_min is not None:
                counted |= d0[self.cand_u] > cfg.veto_other_flavour_d0_min
            q = np.where(counted, q, 1.0)
            certain &= counted
        n_rows = self.rows_active.size
        n_certain = np.bincount(self.cand_row, weights=certain, minlength=n_rows)
        prod_q = np.ones(n_rows)
        qq = np.where(certain, 1.0, q)
        for slot in self.cand_slots:
            prod_q[self.cand_row[slot]] *= qq[slot]
        p = pair_probability(eff[self.pe_u], eff[self.pm_u], prod_q[self.prow_c], n_certain[self.prow_c])
        d0e, d0m = d0[self.pe_u], d0[self.pm_u]
        lead_pt = np.maximum(self.sub.pt[self.pe_u], self.sub.pt[self.pm_u])
        veto, masks = region_masks(np.minimum(d0e, d0m), np.maximum(d0e, d0m), cfg, (d0e, d0m, lead_pt))
        if veto is not None:
            p = np.where(veto, p, 0.0)
        return p, masks, eff_det

    def _sum(self, p_pair: np.ndarray, scale: float) -> tuple[float, float]:
        """Weighted sum over rows of the pairs' probabilities and its error (copies of an event correlated),
        as ``events.weighted_sum``."""
        per_event = self._per_event(p_pair)
        return scale * float(per_event.sum()), scale * float(np.sqrt(np.sum(per_event**2)))

    def _per_event(self, p_pair: np.ndarray, n_events: int = 0) -> np.ndarray:
        """Each event's weighted probability, summed over its copies and pairs."""
        p_row = np.bincount(self.prow_c, weights=p_pair, minlength=self.rows_active.size)
        w = self.row_weight[self.rows_active] * p_row
        return np.bincount(self.row_event[self.rows_active], weights=w, minlength=n_events)


class LeadingPairScan:
    """``LifetimeScan`` for ``pairing: leading_two`` cards (``lepreint.analysis.leading_pair``): the rows replicated
    and ``Detector.prepare`` once; per c tau the leptons' production points, |d0|, efficiencies and the
    leading-pair selection on flat arrays.  The same numbers as ``resample`` + ``signal_yields``."""

    supported, reason = True, ""

    def __init__(
        self,
        sample,
        analysis: AnalysisConfig,
        detector: Detector,
        draws: int = 5,
        seed: int = 0,
        xsec_source: str | None = None,
        detector_seed: int = 0,
    ):
        check_movable(sample)
        check_energy(sample, analysis)
        self.cfg, self.det, self.seed = analysis, detector, int(seed)
        self.xsec_fb, _ = resolve_xsec(sample, xsec_source)
        ev = _replicate(sample.events, int(draws))
        self.norm = normalisation(sample)
        self.prep = detector.prepare(ev, np.random.default_rng(detector_seed), llp_leptons_in_jets(sample.meta))
        self.geom = llp_geometry(ev.llps)
        self.n_llp = int(self.geom.counts.sum())
        lep = ev.leptons
        link = ak.to_numpy(ak.flatten(lep.llp)).astype(np.int64)
        offsets = np.repeat(self.geom.offsets, ak.to_numpy(ak.num(lep)))
        self.lep_has = link >= 0
        self.lep_gi = np.where(self.lep_has, offsets + link, 0)
        self.lep_v = np.column_stack([ak.to_numpy(ak.flatten(lep[f])) for f in ("vx", "vy", "vz")])

    def evaluate(self, ctau: float) -> PointYields:
        if not ctau > 0:
            raise LifetimeError(f"ctau must be > 0, got {ctau}")
        vx, vy, vz = _lepton_vertices(self, ctau)
        prep, det = self.prep, self.det
        d0 = det.impact_parameter(prep, vx, vy)
        sel = select_leading_pair(prep, d0, det.efficiency(prep, vx, vy, vz, d0), self.cfg, np.hypot(vx, vy), vz)
        scale = self.xsec_fb * self.cfg.luminosity / self.norm
        S, S_err = [], []
        for k in range(sel.region_prob.shape[1]):
            w = prep.weight * sel.region_prob[:, k]
            per_event = np.bincount(prep.event, weights=w)
            S.append(scale * float(w.sum()))
            S_err.append(scale * float(np.sqrt(np.sum(per_event**2))))
        return PointYields(float(ctau), S, S_err, None, None, self.xsec_fb)


class CombinedScan:
    """``LifetimeScan`` for a combination card (``AnalysisConfig.parts``): one scanner per part on the same sample,
    the same draws and detector seed; a bin's signal the sum of its parts' per event (the parts share their events,
    so the error is exact), as ``signal_yields`` on a combination.  ``supported`` only if every part's is."""

    def __init__(
        self, sample, analysis: AnalysisConfig, detector: Detector, draws: int = 5, seed: int = 0, xsec_source=None
    ):
        self.cfg = analysis
        self.xsec_fb, _ = resolve_xsec(sample, xsec_source)
        self.norm = normalisation(sample)
        self.parts = [LifetimeScan(sample, p, detector, None, 0.9, draws, seed, xsec_source) for p in analysis.parts]
        bad = [(p.cfg.name, p.reason) for p in self.parts if not p.supported]
        self.supported, self.reason = (False, f"{bad[0][0]}: {bad[0][1]}") if bad else (True, "")

    def evaluate(self, ctau: float) -> PointYields:
        if not self.supported:
            raise RuntimeError(f"CombinedScan not supported here: {self.reason}")
        events = [p.region_events(ctau) for p in self.parts]
        S, S_err = [], []
        for _, idx in self.cfg.bins:
            for k in range(len(events[idx[0]])):
                per_event = sum(events[i][k] * (self.cfg.parts[i].luminosity / self.norm) for i in idx)
                S.append(self.xsec_fb * float(np.sum(per_event)))
                S_err.append(self.xsec_fb * float(np.sqrt(np.sum(per_event**2))))
        return PointYields(float(ctau), S, S_err, None, None, self.xsec_fb)
