"""Scans over (m_c, dm, c tau): one generation per (m_c, dm), every c tau by moving decay vertices.

A point's result is written atomically to ``DIR/points/<key>.json`` the moment it is computed; a scan
restarted after being killed reads those and computes only the missing points.  A point that fails
(a mass outside the cross-section table, a sample that cannot be generated) is recorded with its
reason and the scan goes on.  ``DIR/scan.csv`` (and ``scan.parquet``) collect every point, one row
each; ``DIR/provenance.json`` holds the options.

Grid syntax (``parse_axis``): ``150:600:50`` (start:stop:step, stop included), ``10,20,40`` (a list),
``0.1mm:10m:log30`` (30 log-spaced values); lengths take units (bare numbers are mm), masses are GeV.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lepreint import units
from lepreint._version import __version__
from lepreint.analysis.projection import analysis_background, check_network_background, nn_signal, observed_counts
from lepreint.analysis.yields import signal_yields
from lepreint.classifier.network import load_classifier, stored_background_efficiency
from lepreint.config.cards import analysis_config, detector_for, find_card, load_card
from lepreint.detector.simulate import Detector
from lepreint.errors import LepreintError
from lepreint.events.generation.engine import (
    GENERATION_REVISION,
    PYTHIA_DECAYED_REVISION,
    GenerationRequest,
    generate,
    model_module,
    progress_mode,
)
from lepreint.events.generation.pythia import ShowerOptions
from lepreint.events.lifetime import check_movable, movable, prefiltered, resample
from lepreint.extras import available, require
from lepreint.files import write_atomic
from lepreint.models import check_options, scan_plane
from lepreint.models.base import point_key
from lepreint.parallel import fork_context, ignore_sigint
from lepreint.results.fast_scan import CombinedScan, LeadingPairScan, LifetimeScan
from lepreint.results.hepdata import export_hepdata
from lepreint.results.plots import PLOT_GLOBS, plot_plane, plot_scan
from lepreint.stats.likelihood import published_likelihood_limit
from lepreint.stats.limits import cls_upper_limit, r95

__all__ = [
    "ScanConfig",
    "check_config",
    "groups",
    "parse_axis",
    "parse_u2_axis",
    "point_key",
    "points",
    "run_scan",
]


#: the grid axes of a ScanConfig (not part of a scan's identity: a grid may be extended in the same folder)
AXES = ("mc", "dm", "ctau", "u2")


class ScanFolderError(LepreintError):
    """An output folder that holds a different scan (or something that is not a scan)."""


#: the revision of the statistics a scan with the observed counts computes per point: a folder of points computed
#: before (observed CLs alone, revision 1) is another scan, not resumed with points missing the expected limits
STATISTICS_REVISION = 2
#: the revision of what turns a sample into a point's yields beyond the cards' contents (selection rules, cross
#: sections between table rows): a folder of points computed before is another scan (2: a search's leptons are
#: those above its thresholds; cross sections follow a power law between rows)
ANALYSIS_REVISION = 2


def scan_id(identity: dict) -> str:
    """Short digest of a scan identity (``ScanConfig.identity``), stored in every point."""
    import hashlib

    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]


def parse_axis(text: str, dim: str) -> list[float]:
    """Values of one grid axis (see the module docstring), in internal units (GeV, mm)."""
    text = str(text).strip()
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise LepreintError(f"axis {text!r}: expected start:stop:step or start:stop:logN")
            lo = units.to_internal(parts[0], dim, bare_numbers=True)
            hi = units.to_internal(parts[1], dim, bare_numbers=True)
            if parts[2].startswith("log"):
                n = int(parts[2][3:])
                if lo <= 0 or hi <= 0 or n < 2:
                    raise LepreintError(f"axis {text!r}: log spacing needs positive ends and at least 2 points")
                return [float(x) for x in np.geomspace(lo, hi, n)]
            step = units.to_internal(parts[2], dim, bare_numbers=True)
            if step <= 0 or hi < lo:
                raise LepreintError(f"axis {text!r}: need step > 0 and stop >= start")
            n = int(np.floor((hi - lo) / step + 1e-9)) + 1
            return [float(lo + i * step) for i in range(n)]
        return [units.to_internal(x, dim, bare_numbers=True) for x in text.split(",") if x.strip()]
    except units.UnitError as e:
        raise LepreintError(f"axis {text!r}: {e}") from None
    except ValueError as e:
        raise LepreintError(f"axis {text!r}: {e}") from None


def parse_u2_axis(text: str) -> list[float]:
    """|U|^2 values: ``lo:hi:logN`` (log-spaced) or a comma-separated list, each in (0, 1]."""
    try:
        if ":" in text:
            lo, hi, n = text.split(":")
            if not n.startswith("log"):
                raise LepreintError(f"u2 {text!r}: use lo:hi:logN (log-spaced) or a list")
            ends, count = (float(lo), float(hi)), int(n[3:])
        else:
            vals = [float(x) for x in text.split(",")]
    except ValueError:
        raise LepreintError(f"u2 {text!r} is not lo:hi:logN or a list of numbers") from None
    if ":" in text:
        if count < 2:
            raise LepreintError(f"u2 {text!r}: log spacing needs at least 2 points (one value: give it alone)")
        vals = [float(v) for v in np.geomspace(*ends, count)]
    if any(not 0 < v <= 1 for v in vals):
        raise LepreintError(f"u2 {text!r}: values must lie in (0, 1]")
    return vals


@dataclass
class ScanConfig:
    mc: list[float]
    dm: list[float]
    ctau: list[float]
    model: str = "coscattering"
    #: the model's generation options (None: the model's scan defaults, ``ScanPlane.options``)
    options: dict | None = None
    analysis: str = "soft_displaced_emu"
    #: the detector card ("": the analysis card's own, ``detector_for``; resolved on construction)
    detector: str = ""
    lumi: list[float] = field(default_factory=lambda: [140.0])
    events: int = 20_000
    seed: int = 1
    oversampling: int | None = None
    mpi: bool = True
    xsec_source: str = "table"
    classifier: bool = True
    nn_cut: float = 0.9
    draws: int = 5
    #: ``expected`` (N_i = B_i in Eq. 3.2) or ``observed`` (the analysis card's observed counts; only at its
    #: own luminosity and without the network: the counts are those of the published cut-based search)
    statistic: str = "expected"
    #: c tau of the generated sample of each (m_c, dm): any value serves (the kinematics do not depend on it)
    generation_ctau: float = 10.0
    #: hnl: the |U|^2 axis (``mc`` is then m_N; ``dm`` and ``ctau`` are not used)
    u2: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.detector = detector_for(self.analysis, self.detector or None)
        if self.options is not None:
            self.options = check_options(self.model, self.options)
        # a value twice would be scanned twice and counted twice; values equal to 6 significant figures share one
        # point file (``point_key``) and luminosities one column (R95@<lumi:g>)
        for name in ("mc", "dm", "ctau", "u2", "lumi"):
            seen: dict[str, float] = {}
            for v in getattr(self, name):
                key = f"{v:.6g}"
                if key in seen:
                    raise LepreintError(
                        f"{name}: {v:g} is given twice (or equals {seen[key]:g} to 6 significant figures); "
                        "give each value once"
                    )
                seen[key] = v

    @classmethod
    def from_card(cls, card) -> ScanConfig:
        """A scan card (``cards/scans/*.yaml``, ``benchmarks/*_grid.yaml``; kind ``scan``) as a configuration."""

        d = load_card(find_card(card, "scan") if not hasattr(card, "data") else card.path, "scan").data
        model = d["model"]
        kw = {
            k: d[k]
            for k in (
                "options",
                "analysis",
                "detector",
                "events",
                "seed",
                "mpi",
                "classifier",
                "nn_cut",
                "draws",
                "statistic",
                "xsec_source",
            )
            if k in d
        }
        if "lumi" in d:
            kw["lumi"] = [float(x) for x in d["lumi"]]
        u2 = parse_u2_axis(d["u2"]) if "u2" in d else []
        return cls(
            parse_axis(d["mc"], "energy"),
            parse_axis(d["dm"], "energy") if "dm" in d else [],
            parse_axis(d["ctau"], "length") if "ctau" in d else [],
            model=model,
            u2=u2,
            **kw,
        )

    def model_options(self) -> dict:
        """The generation options of the scan's samples (None: the model's scan defaults, ``ScanPlane.options``)."""
        return dict(scan_plane(self.model).options) if self.options is None else dict(self.options)

    def resolved_options(self) -> dict:
        """The options as the generation resolves them: the model's defaults under the scan's."""
        return {**model_module(self.model).DEFAULT_OPTIONS, **self.model_options()}

    def identity(self) -> dict:
        """Everything that changes a point's numbers, except the grid axes: the options (with the model's defaults),
        the contents (digests) of the analysis and detector cards and of the network, the lepreint version and its
        generation revision.  Two scans with the same
        identity may share a folder (a grid extended by new axis values); any other difference may not."""

        ana, det = _setup(self.analysis, self.detector)
        d = {k: v for k, v in self.as_dict().items() if k not in AXES}
        # the options as the generation resolves them (the model's defaults under the card's), and the revision of
        # lepreint's generation physics: a changed default or decay must not reuse the points it changes
        d["options"] = self.resolved_options()
        d["generation_revision"] = GENERATION_REVISION
        d["analysis_revision"] = ANALYSIS_REVISION
        model_revision = getattr(model_module(self.model), "MODEL_REVISION", None)
        if model_revision is not None:  # a model's own physics revision (only where a model has one)
            d["model_revision"] = model_revision
        if self.mc:  # LLPs decayed by Pythia: the revision of how their events are kept (part of their samples' keys)
            plane = scan_plane(self.model)
            params = plane.generation(self.mc[0], self.dm[0] if self.dm else None, self.generation_ctau)
            if model_module(self.model).pythia_setup(params, d["options"]).decayed_llp_ids:
                d["pythia_decayed_revision"] = PYTHIA_DECAYED_REVISION
        if self.statistic == "observed":  # what a point's columns hold (2: the expected CLs limits and band too)
            d["statistics_revision"] = STATISTICS_REVISION
        d["analysis_digest"] = ana.digest
        d["detector_digest"] = det.card.digest
        if det.maps_digest is not None:  # the shipped efficiency maps the detector reads
            d["maps_digest"] = det.maps_digest
        if self.classifier:
            d["network_digest"] = load_classifier().meta.get("digest")
        else:
            d.pop("nn_cut")  # not used without the network
        d["lepreint"] = __version__
        return d

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def check_config(cfg: ScanConfig) -> None:
    """Options that cannot work together fail before anything is generated."""

    ana = analysis_config(cfg.analysis)
    plane = scan_plane(cfg.model)
    axes = {"mc": cfg.mc, "dm": cfg.dm, "ctau": cfg.ctau, "u2": cfg.u2}
    need = plane.axes
    for a, v in axes.items():
        if a in need and not v:
            raise LepreintError(f"a {cfg.model} scan needs a {a} axis (--{a})")
        if a not in need and v:
            raise LepreintError(f"a {cfg.model} scan has no {a} axis (its plane: {', '.join(need)})")
    if plane.check is not None:
        plane.check(cfg.model_options())
    _check_numbers(cfg)
    for mc, dm in groups(cfg):  # every generation request is valid (masses, thresholds, options) before any work
        _request(cfg, mc, dm)
    if cfg.statistic not in ("expected", "observed"):
        raise LepreintError(f"statistic must be 'expected' or 'observed', got {cfg.statistic!r}")
    if cfg.classifier:
        check_network_background(ana, load_classifier())
    if cfg.statistic == "observed":
        if cfg.classifier:
            raise LepreintError(
                "observed counts belong to the published cut-based search: use them without the network"
            )
        for lumi in cfg.lumi:
            observed_counts(ana, lumi)


def _check_numbers(cfg: ScanConfig) -> None:
    """Numbers that cannot make sense, named by option, before anything runs."""
    import math

    def bad(what, value, need):
        raise LepreintError(f"{what}: {need}, got {value!r}")

    for lumi in cfg.lumi:
        if not (isinstance(lumi, (int, float)) and math.isfinite(lumi) and lumi > 0):
            bad("--lumi", lumi, "need a positive luminosity")
    if not cfg.lumi:
        bad("--lumi", cfg.lumi, "need at least one luminosity")
    for name, lo in (("events", 1), ("draws", 1), ("seed", 0)):
        v = getattr(cfg, name)
        if not isinstance(v, int) or isinstance(v, bool) or v < lo:
            bad(f"--{name}", v, f"need an integer >= {lo}")
    if cfg.oversampling is not None and cfg.oversampling < 1:
        bad("oversampling", cfg.oversampling, "need an integer >= 1")
    if not (0 < cfg.nn_cut < 1):
        bad("--nn-cut", cfg.nn_cut, "need 0 < cut < 1")
    for axis, dim in (("mc", "GeV"), ("dm", "GeV"), ("ctau", "mm")):
        for v in getattr(cfg, axis):
            if not (math.isfinite(v) and v > 0):
                bad(f"--{axis}", v, f"every value must be positive ({dim})")
    if "dm" in scan_plane(cfg.model).axes:
        for mc in cfg.mc:
            for dm in cfg.dm:
                if dm >= mc:
                    bad("--dm", dm, f"need dm < m_c at m_c = {mc:g} GeV")
    if not (math.isfinite(cfg.generation_ctau) and cfg.generation_ctau > 0):
        bad("generation_ctau", cfg.generation_ctau, "need a positive length (mm)")


#: the plots a scan drew last in its folder (names), so that a rerun removes those it does not draw again
PLOTS_MANIFEST = "plots.json"


def _replace_plots(out: Path, drawn: list[Path]) -> None:
    """Remove the plots the folder's earlier run drew and this one did not (another grid: other names), and record
    this run's; files lepreint did not draw stay."""
    manifest = out / PLOTS_MANIFEST
    names = {Path(p).name for p in drawn}
    try:
        before = set(json.loads(manifest.read_text())) if manifest.is_file() else set()
    except (ValueError, TypeError):
        before = set()
    for name in sorted(before - names):
        f = out / Path(name).name  # a name, never a path out of the folder
        if f.is_file():
            f.unlink(missing_ok=True)
    _write_atomic(manifest, json.dumps(sorted(names)) + "\n")


def _write_atomic(path: Path, text: str) -> None:

    write_atomic(path, text)


@functools.lru_cache(maxsize=8)
def _setup(analysis: str, detector: str):
    """The analysis and detector of a scan, read once per process (cards are immutable during a scan)."""

    return analysis_config(analysis), Detector(detector)


def groups(cfg: ScanConfig) -> list[tuple[float, float | None]]:
    """One generation each: (m, dm), or (m, None) for a model whose plane has no dm axis."""
    if not scan_plane(cfg.model).grouped_by_dm:
        return [(m, None) for m in cfg.mc]
    return [(mc, dm) for mc in cfg.mc for dm in cfg.dm]


def points(cfg: ScanConfig, mc: float, dm: float | None) -> list[dict]:
    """The grid points of one group (``ScanPlane.points``): ``key`` (file name), ``ctau`` (mm; None: the sample as
    generated), ``scale`` (of the cross section) and the ``fields`` of the point's row."""
    return scan_plane(cfg.model).points(mc, dm, cfg.ctau, cfg.u2, cfg.model_options())


def _request(cfg: ScanConfig, mc: float, dm: float | None):

    ana, _ = _setup(cfg.analysis, cfg.detector)  # samples at the analysis' centre-of-mass energy
    params = scan_plane(cfg.model).generation(mc, dm, cfg.generation_ctau)
    return GenerationRequest(
        cfg.model,
        params,
        cfg.events,
        cfg.seed,
        cfg.oversampling,
        cfg.model_options(),
        ShowerOptions(mpi=cfg.mpi, ecm=ana.sqrt_s),
        xsec_source=cfg.xsec_source,
    )


def _scanner(cfg: ScanConfig, sample, clf):
    """The group's ``LifetimeScan`` (c tau-independent work done once), or None where it does not apply."""

    ana, det = _setup(cfg.analysis, cfg.detector)
    if ana.parts:
        comb = CombinedScan(sample, ana, det, cfg.draws, cfg.seed, cfg.xsec_source) if clf is None else None
        return comb if comb is not None and comb.supported else None
    if ana.pairing == "leading_two" and clf is None:
        return LeadingPairScan(sample, ana, det, cfg.draws, cfg.seed, cfg.xsec_source)
    sc = LifetimeScan(sample, ana, det, clf, cfg.nn_cut, cfg.draws, cfg.seed, cfg.xsec_source)
    return sc if sc.supported else None


def _evaluate(cfg: ScanConfig, sample, ctau: float | None, clf, b_eff, scanner=None, scale: float = 1.0) -> dict:
    """One grid point: move the decay vertices, detector + selection (+ network) once at the analysis card's
    luminosity; S and B scale linearly to each requested luminosity.  With a ``scanner`` (the same numbers,
    see ``lepreint.results.fast_scan``) only the c tau-dependent part is computed; ``ctau = None``: the sample's
    own lifetimes; ``scale``: of the signal cross section (heavy neutral leptons: |U|^2)."""

    ana, det = _setup(cfg.analysis, cfg.detector)
    if scanner is not None and ctau is not None:
        y = scanner.evaluate(ctau)
        S, S_err, S_nn, S_nn_err, xs = y.S, y.S_err, y.S_nn, y.S_nn_err, y.xsec_fb
    else:
        # the group's sample is prefiltered already
        moved = resample(sample, ctau, cfg.draws, cfg.seed) if ctau is not None else sample
        if clf is not None:
            nn = nn_signal(moved, clf, cfg.nn_cut, ana, det, cfg.xsec_source)
            S, S_nn, S_nn_err, xs = nn.S, nn.S_nn, nn.S_nn_err, nn.xsec_fb
        else:
            y = signal_yields(moved, ana, det, cfg.xsec_source)
            S, S_err, xs = y.S, y.S_err, y.xsec_fb
    row: dict = {"xsec_fb": xs * scale}
    for lumi in cfg.lumi:
        f = scale * lumi / ana.luminosity
        B = analysis_background(ana, lumi)
        n = observed_counts(ana, lumi) if cfg.statistic == "observed" else None
        tag = f"{lumi:g}"
        row.update({f"S_{i + 1}@{tag}": x * f for i, x in enumerate(S)})
        row.update({f"B_{i + 1}@{tag}": x for i, x in enumerate(B)})
        if clf is not None:
            b_nn = [b * b_eff[0] for b in B]
            row.update({f"S_nn_{i + 1}@{tag}": x * f for i, x in enumerate(S_nn)})
            row.update({f"S_nn_err_{i + 1}@{tag}": x * f for i, x in enumerate(S_nn_err)})
            row.update({f"B_nn_{i + 1}@{tag}": x for i, x in enumerate(b_nn)})
            row[f"R95@{tag}"] = r95([x * f for x in S_nn], b_nn)
            row[f"R95_cut@{tag}"] = r95([x * f for x in S], B)
        else:
            row.update({f"S_err_{i + 1}@{tag}": x * f for i, x in enumerate(S_err)})
            row[f"R95@{tag}"] = r95([x * f for x in S], B, n)
            if n is not None:  # the observed counts: CLs beside R95 (mu_up < 1: excluded), observed and expected
                s_l = [x * f for x in S]
                unc = list(ana.background.uncertainty) or None
                c = cls_upper_limit(s_l, B, n, unc)
                row[f"CLs_mu_up@{tag}"] = c.mu_up_observed
                row[f"CLs_mu_up_exp@{tag}"] = c.mu_up_expected
                for name, v in zip(("m2", "m1", "p1", "p2"), c.mu_up_band):
                    row[f"CLs_mu_up_exp_{name}@{tag}"] = v
                row[f"CLs_calculator@{tag}"] = c.calculator
                if ana.likelihood:
                    row[f"lik_mu_up@{tag}"] = published_likelihood_limit(ana, s_l).mu_up_observed
    return row


#: the state a forked point worker inherits (set just before the pool forks)
_GROUP: dict = {}


def _group(point: tuple[float, float]) -> int:
    g = _GROUP
    run_group(g["cfg"], point[0], point[1], g["out"], 1, g["clf"], sid=g["sid"])
    return len(points(g["cfg"], point[0], point[1]))  # the group's points, computed now or before


def _point(point: dict) -> None:
    g = _GROUP
    _write_point(g["cfg"], point, g["sample"], g["failure"], g["clf"], g["b_eff"], g["pts"], g["scanner"], g["sid"])


def _stored(path: Path, sid: str) -> dict | None:
    """A finished point of the scan ``sid`` at ``path``, or None: absent, failed (retried on a rerun), unreadable,
    or computed with other options."""
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return rec if rec.get("status") == "ok" and rec.get("scan_id") == sid else None


def _point_record(
    cfg, point: dict, sample, failure, clf, b_eff, scanner=None, sid: str = "", own: bool = False
) -> dict:
    """One point's record.  ``own``: no row of the sample can pass the analysis at any c tau (``run_group``), so
    the sample's own lifetimes give the point's numbers."""
    rec = {**point["fields"], "status": "ok", "reason": "", "scan_id": sid or scan_id(cfg.identity())}
    if sample is None:
        rec.update(status="failed", reason=failure)
    else:
        try:
            ctau = None if own else point["ctau"]
            rec.update(_evaluate(cfg, sample, ctau, clf, b_eff, scanner, point["scale"]))
            rec["sample_digest"] = sample.meta.get("digest")
        except LepreintError as e:
            rec.update(status="failed", reason=str(e))
    return rec


def _write_point(cfg, point: dict, sample, failure, clf, b_eff, pts: Path, scanner=None, sid: str = "") -> None:
    """One point's record (``_point_record``), written atomically."""
    rec = _point_record(cfg, point, sample, failure, clf, b_eff, scanner, sid)
    _write_atomic(pts / f"{point['key']}.json", json.dumps(rec, sort_keys=True) + "\n")


def run_group(
    cfg: ScanConfig,
    mc: float,
    dm: float | None,
    out: str | os.PathLike,
    workers: int = 1,
    clf=None,
    progress=False,
    sid: str | None = None,
) -> int:
    """Every missing point of one group (``groups``): one generation (or the cache), then each point written
    atomically.  Returns the number of points computed.  Runs in the scan's process or on a Dask worker;
    ``progress``: of the generation (as ``generate``); ``sid``: the scan's id, computed once by ``run_scan``
    (a Dask worker with other cards or another network must not write points under another id)."""

    pts = Path(out) / "points"
    sid = sid or scan_id(cfg.identity())
    missing = [p for p in points(cfg, mc, dm) if _stored(pts / f"{p['key']}.json", sid) is None]
    if not missing:
        return 0
    if cfg.classifier and clf is None:
        clf = load_classifier()
    b_eff = stored_background_efficiency(clf, cfg.nn_cut) if clf is not None else None
    try:
        sample, failure = generate(_request(cfg, mc, dm), workers=workers, progress=progress), None
        # the rows that can pass the kinematic cuts at some c tau: once per sample, not per point
        kept = prefiltered(sample, _setup(cfg.analysis, cfg.detector)[0])
        moves = any(p["ctau"] is not None for p in missing)
        # none left with a lepton of a long-lived particle: the signal does not depend on c tau (none at all, or
        # leptons of no long-lived particle), and the sample as generated gives every point (a sample that has no
        # long-lived particles to move is still an error)
        own = moves and not movable(kept)
        if own:
            check_movable(sample)
        else:
            sample = kept
        scanner = _scanner(cfg, sample, clf) if moves and not own else None
    except LepreintError as e:
        sample, failure, scanner, own = None, str(e), None, False
    if own:  # every point's numbers are the sample's own: computed once (per signal scale) and written for each
        done: dict[float, dict] = {}
        for p in missing:
            if p["scale"] not in done:
                done[p["scale"]] = _point_record(cfg, p, sample, failure, clf, b_eff, None, sid, own=True)
            rec = {**done[p["scale"]], **p["fields"]}
            _write_atomic(pts / f"{p['key']}.json", json.dumps(rec, sort_keys=True) + "\n")
    elif workers > 1 and sample is not None and len(missing) >= 4:
        # the points of one sample in parallel: forked workers inherit the sample (no copy, no pickling)
        _GROUP.update(cfg=cfg, sample=sample, failure=failure, clf=clf, b_eff=b_eff, pts=pts, scanner=scanner, sid=sid)
        try:
            with fork_context().Pool(workers, initializer=ignore_sigint) as pool:
                pool.map(_point, missing, chunksize=1)
        finally:
            _GROUP.clear()
    else:
        for p in missing:
            _write_point(cfg, p, sample, failure, clf, b_eff, pts, scanner, sid)
    return len(missing)


def _run_dask(cfg: ScanConfig, todo: list, out: Path, executor: str, sid: str) -> None:
    """One task per (m_c, dm) on a Dask cluster: ``tcp://host:port`` or ``local:N`` (a LocalCluster of N
    single-threaded worker processes).  Each task generates with one process (no pools inside workers)."""

    require("dask.distributed", "dask", "a scan on Dask")
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if executor.startswith("local:"):
        cluster = LocalCluster(
            n_workers=int(executor.split(":", 1)[1]), threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(executor)
    try:
        futures = [client.submit(run_group, cfg, mc, dm, str(out), 1, sid=sid, pure=False) for mc, dm in todo]
        for f in as_completed(futures):
            f.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _claim_folder(out: Path, identity: dict, sid: str, overwrite: bool) -> None:
    """Make ``out`` this scan's folder.  A folder holding another scan (other options, cards, network or lepreint
    version) is refused in one line naming the differences, unless ``overwrite`` (its points are then removed)."""
    import shutil

    prov = out / "provenance.json"
    pts = out / "points"
    try:
        if out.exists() and not out.is_dir():
            raise ScanFolderError(f"--output {out}: is a file, not a folder")
        old = None
        if prov.exists():
            try:
                old = json.loads(prov.read_text())
            except ValueError:
                old = {}
            if not isinstance(old, dict):
                old = {}
        elif pts.is_dir() and any(pts.iterdir()):
            old = {}
        if old is not None and old.get("scan_id") != sid:
            if not overwrite:
                if "identity" in old:
                    a, b = old["identity"], identity

                    def short(v):  # digests: their first 12 characters say enough
                        return v[:12] if isinstance(v, str) and len(v) > 40 else v

                    diff = [
                        f"{k} {short(a.get(k))!r} there, {short(b.get(k))!r} now"
                        for k in sorted(set(a) | set(b))
                        if a.get(k) != b.get(k)
                    ]
                    what = "; ".join(diff)
                else:
                    what = "made by an older lepreint that did not record what its numbers depend on"
                raise ScanFolderError(
                    f"--output {out}: holds a different scan ({what}); use another --output, "
                    "or --overwrite to replace it"
                )
            for f in (pts, out / "hepdata"):
                if f.is_dir():
                    shutil.rmtree(f)
            # and every other output of the replaced scan: its plots (named by its grid) and HEPData archive
            for f in ("scan.csv", "scan.parquet", "provenance.json", "submission.tar.gz", PLOTS_MANIFEST, *PLOT_GLOBS):
                for p in out.glob(f):
                    p.unlink(missing_ok=True)
        pts.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ScanFolderError(f"--output {out}: {e.strerror or e}") from None


def run_scan(
    cfg: ScanConfig,
    output: str | os.PathLike,
    workers: int = 2,
    progress: bool | str = False,
    plots: bool = True,
    executor: str = "local",
    overwrite: bool = False,
    log=None,
) -> list[dict]:
    """Run (or resume) the scan; returns one dict per grid point (also written to ``output``).

    ``executor``: ``local`` (the (m_c, dm) groups in turn, each generation on ``workers`` processes),
    ``local:N`` (a local Dask cluster of N workers) or a Dask scheduler address ``tcp://host:port``.
    A folder holding a scan with other options is refused (``ScanFolderError``) unless ``overwrite``; points of
    the same scan are reused, failed points recomputed.  ``log``: a callable taking one line (what is reused).
    """
    if workers < 1:
        raise LepreintError(f"--workers: need an integer >= 1, got {workers!r}")
    check_config(cfg)
    out = Path(output)
    pts = out / "points"
    identity = cfg.identity()
    sid = scan_id(identity)
    _claim_folder(out, identity, sid, overwrite)
    reused = sum(_stored(pts / f"{q['key']}.json", sid) is not None for g in groups(cfg) for q in points(cfg, *g))
    if log is not None and reused:
        total_points = sum(len(points(cfg, *g)) for g in groups(cfg))
        log(
            f"resuming scan {sid} in {out}: reusing {reused} of {total_points} points, computing "
            f"{total_points - reused}"
        )
    _write_atomic(
        out / "provenance.json",
        json.dumps(
            {"config": cfg.as_dict(), "identity": identity, "scan_id": sid, "lepreint": _version()},
            indent=1,
            sort_keys=True,
        )
        + "\n",
    )
    clf = load_classifier() if cfg.classifier else None
    if clf is not None:
        stored_background_efficiency(clf, cfg.nn_cut)  # a bad --nn-cut fails before any generation
    todo = groups(cfg)
    per_group = {g: len(points(cfg, *g)) for g in todo}
    if executor != "local":
        _run_dask(cfg, todo, out, executor, sid)
    else:
        total = sum(per_group.values())
        bar = None
        progress = progress_mode(progress)
        if progress == "plain":
            bar = _PlainProgress(total, log)
            task = None
        elif progress:
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            bar = Progress(
                TextColumn("scan"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn()
            )
            bar.start()
            task = bar.add_task("scan", total=total)
        try:
            if workers > 1 and len(todo) >= workers:
                # several (m_c, dm): one group per process (its generation single-process), so that loading,
                # generating and evaluating all run in parallel; results do not depend on the split
                _GROUP.update(cfg=cfg, out=str(out), clf=clf, sid=sid)
                try:
                    with fork_context().Pool(workers, initializer=ignore_sigint) as pool:
                        for g in pool.imap_unordered(_group, todo, chunksize=1):
                            if bar:
                                bar.advance(task, g)
                finally:
                    _GROUP.clear()
            else:
                for mc, dm in todo:
                    # the generation's own lines in a log (a terminal has the scan's bar: one live display)
                    run_group(cfg, mc, dm, out, workers, clf, progress if progress == "plain" else False, sid)
                    if bar:
                        bar.advance(task, per_group[(mc, dm)])
        finally:
            if bar:
                bar.stop()
    rows = collect(cfg, out, sid)
    _write_table(rows, out)
    if plots:
        drawn: list[Path] = []
        if any(r.get("status") == "ok" for r in rows):
            if "ctau" in scan_plane(cfg.model).axes:
                drawn = plot_scan(rows, cfg.lumi, out, extrapolate=cfg.statistic == "expected")
            else:
                drawn = plot_plane(rows, cfg.lumi, out, cfg.model, network=cfg.classifier)
        _replace_plots(out, drawn)

        if available("hepdata_lib"):
            export_hepdata(
                rows,
                cfg.lumi,
                out,
                f"lepreint scan: model {cfg.model}, analysis {cfg.analysis}, "
                f"{f'NN >= {cfg.nn_cut:g}' if cfg.classifier else 'cut-based'}",
                cfg.model,
                _setup(cfg.analysis, cfg.detector)[0].sqrt_s / 1000.0,
                cfg.statistic,
            )
        elif log is not None:
            log("HEPData tables not written: pip install 'lepreint[hepdata]'")
    return rows


class _PlainProgress:
    """Scan progress as plain lines (a log, not a terminal): one per finished group."""

    def __init__(self, total: int, log):
        import sys
        import time

        self.total, self.done, self.t0 = total, 0, time.perf_counter()
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))

    def advance(self, _task, n: int) -> None:
        import time

        self.done += n
        self.log(f"scan: {self.done}/{self.total} points ({time.perf_counter() - self.t0:.0f} s)")

    def stop(self) -> None:
        pass


def collect(cfg: ScanConfig, output: str | os.PathLike, sid: str | None = None) -> list[dict]:
    """The grid's points as stored in ``output`` (only those computed by this scan: same ``scan_id``)."""
    pts = Path(output) / "points"
    sid = sid or scan_id(cfg.identity())
    rows = []
    for mc, dm in groups(cfg):
        for q in points(cfg, mc, dm):
            p = pts / f"{q['key']}.json"
            try:
                rec = json.loads(p.read_text())
            except (OSError, ValueError):
                continue
            if rec.get("scan_id") == sid:
                rows.append(rec)
    return rows


#: leading columns of the results table; the rest follow sorted
FIRST = ("mc", "dm", "ctau_mm", "status", "reason")


def _write_table(rows: list[dict], out: Path) -> None:
    import csv
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    keys = sorted({k for r in rows for k in r} - set(FIRST))
    cols = [*FIRST, *keys]
    buf = io.StringIO()
    w = csv.DictWriter(buf, cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: (f"{v:.10g}" if isinstance(v, float) else v) for k, v in r.items()})
    _write_atomic(out / "scan.csv", buf.getvalue())
    table = pa.table({c: [r.get(c) for r in rows] for c in cols})
    pq.write_table(table, out / "scan.parquet.tmp")
    os.replace(out / "scan.parquet.tmp", out / "scan.parquet")


def _version() -> str:

    return __version__
