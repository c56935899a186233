"""The Python API: one function per command-line subcommand, the same options, typed results.

Every function takes the options of its subcommand as keyword arguments; dimensionful values are numbers in
lepreint's internal units (GeV, mm, ns, fb, fb^-1) or strings with a unit (``"1 cm"``, ``"140 /fb"``,
``"1.2 pb"``, ``"13 TeV"``); cards are paths or the names of shipped cards.  Each returns a small dataclass
with ``to_dict()`` (what ``--json`` prints)::

    import lepreint
    s = lepreint.generate("coscattering", mc="220 GeV", dm="20 GeV", ctau="1 cm", events=2000)
    r = lepreint.simulate(s.sample_id, lumi="300 /fb")
    r.R95, r.excluded          # R95 > 1: excluded at 95% CL
"""

from __future__ import annotations

import dataclasses
import inspect as _inspect_module
import os
import re
from dataclasses import dataclass, field
from typing import Any

from lepreint import units
from lepreint.errors import LepreintError

__all__ = [
    "GenerateResult",
    "InspectResult",
    "ScanResult",
    "SimulateResult",
    "TrainResult",
    "generate",
    "inspect",
    "scan",
    "simulate",
    "train",
    "yields",
]


def _q(value, dim: str, what: str) -> float | None:
    """A number in internal units or a string with a unit; None stays None."""
    if value is None:
        return None
    try:
        return units.to_internal(value, dim, bare_numbers=True)
    except units.UnitError as e:
        raise LepreintError(f"{what}: {e}") from None


class _Result:
    """``to_dict()``: the JSON-able fields (what ``--json`` prints); objects such as the sample are left out."""

    _skip: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in self._skip}  # type: ignore[arg-type]


# --------------------------------------------------------------------------- generate


@dataclass
class GenerateResult(_Result):
    """A generated (or cached) sample: its id (what ``simulate`` and ``inspect`` accept), folder and summary."""

    sample_id: str | None
    path: str | None
    digest: str
    model: str
    parameters: dict[str, float]
    events: int
    rows: int
    oversampling: int
    xsec_fb: float | None  #: None with the source 'none' (the cross section is given to simulate)
    xsec_source: str
    cache_hit: bool
    generation_seconds: float | None
    summary: dict[str, Any]
    hepmc: str | None = None
    sample: Any = field(default=None, repr=False)  #: the ``Sample`` (events and metadata)
    _skip = ("sample",)


def generate(
    model: str | None = None,
    *,
    card: str | os.PathLike | None = None,
    events: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    oversampling: int | None = None,
    options: dict | None = None,
    shower: dict | None = None,
    xsec_source: str | None = None,
    chunk: int | None = None,
    hepmc: str | os.PathLike | None = None,
    hepmc_copies: str = "all",
    force: bool = False,
    progress: bool | str = False,
    **parameters: float | str,
) -> GenerateResult:
    """Generate a sample with Pythia 8 into the cache (or find it there), ``lepreint generate``.

    ``model``: ``coscattering`` (``mc``, ``dm`` in GeV, ``ctau`` in mm), ``higgsino`` (``mc``, ``dm``), ``hnl``
    (``mN``, ``U2``), ``bbbar``; parameters as keywords, numbers or unit strings.  ``card``: a model card whose
    values the arguments override.  ``options``/``shower``: the model's and Pythia's settings (``shower={"mpi":
    False}`` is the fast mode; ``ecm`` in GeV or with a unit).  ``hepmc``: also write the events as HepMC3
    (``hepmc_copies``: ``all`` decay copies, or ``one`` per event with its full weight)."""
    from lepreint.events.generation.engine import build_request
    from lepreint.events.generation.engine import generate as run

    req = build_request(card, model, dict(parameters), options, shower, events, seed, oversampling, xsec_source, chunk)
    sample = run(
        req,
        workers=workers,
        cache=True,
        progress=progress,
        hepmc=hepmc,
        reuse=not force,
        hepmc_options={"copies": hepmc_copies},
    )
    m = sample.meta
    hep = None
    if hepmc is not None:
        k = int(m.get("oversampling") or 1)
        n = len(sample.events) if hepmc_copies == "all" else int(m.get("events", 0))
        how = (
            f"all {k} decay copies of each event, weight w/{k}"
            if hepmc_copies == "all" and k > 1
            else "one per generated event"
        )
        hep = f"{hepmc}: {n} HepMC events ({how}), cross section {m['xsec_fb'] / 1000:.4g} pb"
    return GenerateResult(
        sample_id=os.path.basename(str(sample.path)) if sample.path else None,
        path=str(sample.path) if sample.path else None,
        digest=m["digest"],
        model=m["model"],
        parameters=dict(m["parameters"]),
        events=int(m["events"]),
        rows=len(sample.events),
        oversampling=int(m.get("oversampling") or 1),
        xsec_fb=None if m.get("xsec_fb") is None else float(m["xsec_fb"]),
        xsec_source=str(m["xsec_source"]),
        cache_hit=bool(sample.cache_hit),
        generation_seconds=m.get("generation_seconds"),
        summary=sample.summary(),
        hepmc=hep,
        sample=sample,
    )


# --------------------------------------------------------------------------- inspect


@dataclass
class InspectResult(_Result):
    """What a sample or a HepMC3 file holds: events, long-lived particles per PDG id (count, mean proper decay
    length in mm), leptons per flavour, the cross section (fb) and where it came from."""

    sample: str
    sample_id: str | None
    events: int
    rows: int
    llp_summary: list[dict[str, Any]]
    leptons_by_flavour: dict[str, int]
    xsec_fb: float | None
    xsec_source: str | None
    summary: dict[str, Any]
    read: dict[str, Any]  #: HepMC3 input: bad events, truncation, read time, whether the cache served it


def _load(spec, llp_ids, displaced, skip_bad_events: bool, invisible, weight: str | None):
    """``load_input`` with the reading options as the command line and the API take them (id lists as text)."""
    from lepreint.events.inputs import load_input, parse_llp_ids

    return load_input(
        spec,
        llp_ids=parse_llp_ids(llp_ids) if isinstance(llp_ids, str) else llp_ids,
        displaced_mm=_q(displaced, "length", "--displaced"),
        skip_bad=skip_bad_events,
        invisible_ids=parse_llp_ids(invisible, "--invisible") if isinstance(invisible, str) else invisible,
        weight=weight,
    )


def inspect(
    path: str | os.PathLike,
    *,
    llp_ids=None,
    displaced: float | str | None = None,
    skip_bad_events: bool = False,
    invisible=None,
    weight: str | None = None,
) -> InspectResult:
    """Summarise a sample (folder, ``events.parquet`` or id) or a HepMC3 file, ``lepreint inspect``.

    HepMC3 only: ``llp_ids`` (PDG ids, or a comma-separated string) replace the default long-lived particles,
    ``displaced`` (a length) adds every particle decaying that far from its origin, ``skip_bad_events``,
    ``invisible`` (PDG ids) are counted as invisible besides lepreint's own, ``weight`` names the event weight."""
    from lepreint.events.inputs import sample_id

    s, info = _load(path, llp_ids, displaced, skip_bad_events, invisible, weight)
    summ = s.summary()
    return InspectResult(
        sample=str(s.path) if s.path else str(path),
        sample_id=sample_id(s),
        events=int(summ["events"]),
        rows=int(summ["rows"]),
        llp_summary=summ["llp_summary"],
        leptons_by_flavour=summ["leptons_by_flavour"],
        xsec_fb=summ["xsec_fb"],
        xsec_source=summ["xsec_source"],
        summary=summ,
        read=info,
    )


# --------------------------------------------------------------------------- simulate, yields


@dataclass
class SimulateResult(_Result):
    """Signal S, background B and R95 per signal region at ``luminosity_ifb`` (fb^-1), and R95 of the regions
    combined (Eq. 3.2-3.3, N = B): ``excluded`` when R95 > 1.  With the network: S and B after NN >= ``nn_cut``
    and the R95 the paper projects with them (``R95_nn``, and at 2.6, 140, 300 fb^-1 in ``R95_nn_by_lumi``)."""

    sample: str
    analysis: str
    regions: list[str]
    luminosity_ifb: float
    xsec_fb: float
    xsec_source: str
    S: list[float]
    S_err: list[float]
    B: list[float]
    R95_by_region: list[float]
    R95: float
    excluded: bool
    efficiency: list[float]
    efficiency_err: list[float]
    cutflow: dict[str, float]
    options: dict[str, Any]
    nn_cut: float | None = None
    classifier: str | None = None
    S_nn: list[float] | None = None
    S_nn_err: list[float] | None = None
    B_nn: list[float] | None = None
    B_nn_err: list[float] | None = None
    background_efficiency: float | None = None
    background_efficiency_err: float | None = None
    R95_nn: float | None = None
    excluded_nn: bool | None = None
    R95_nn_by_lumi: dict[str, float] | None = None
    #: against the data, where the analysis has observed counts and runs at its own luminosity (else None):
    #: :func:`observed_statistics`, the regions together and, for a combination, each channel alone
    observed: dict[str, Any] | None = None
    read: dict[str, Any] = field(default_factory=dict)
    benchmark: int | None = None


def simulate(
    sample,
    *,
    analysis: str = "soft_displaced_emu",
    detector: str | None = None,
    d0_extrapolation: str | None = None,
    xsec_source: str | None = None,
    xsec: float | str | None = None,
    lumi: float | str | None = None,
    seed: int = 0,
    classifier: bool = False,
    model: str | os.PathLike | None = None,
    nn_cut: float = 0.9,
    llp_ids=None,
    displaced: float | str | None = None,
    skip_bad_events: bool = False,
    invisible=None,
    weight: str | None = None,
) -> SimulateResult:
    """Detector, selection and yields for a sample (``Sample``, folder or id) or a HepMC3 file, ``lepreint
    simulate``.  ``xsec`` (fb, or with a unit) overrides the sample's cross section, ``xsec_source`` recomputes
    it for the sample's model point; ``lumi`` defaults to the analysis card's.  ``classifier`` (or ``model``: a
    trained network's folder) adds the network's projection at ``nn_cut``."""
    from lepreint.analysis.projection import check_network_background
    from lepreint.analysis.yields import signal_yields
    from lepreint.config.cards import analysis_config, detector_for
    from lepreint.detector.simulate import Detector
    from lepreint.events.slim import Sample

    if not 0 < nn_cut < 1:
        raise LepreintError(f"--nn-cut: need 0 < cut < 1, got {nn_cut:g}")
    if seed < 0:
        raise LepreintError(f"--seed: need an integer >= 0, got {seed}")
    if xsec is not None and xsec_source is not None:
        raise LepreintError("give --xsec (a value) or --xsec-source (a table), not both")
    info: dict[str, Any] = {}
    if isinstance(sample, Sample):
        s, name = sample, str(sample.path or sample.meta.get("source_file"))
    else:
        s, info = _load(sample, llp_ids, displaced, skip_bad_events, invisible, weight)
        name = str(sample)
    xs = _q(xsec, "xsec", "--xsec")
    if classifier or model is not None:
        from lepreint.classifier.network import load_classifier

        check_network_background(analysis_config(analysis), load_classifier(model))
    det = Detector(detector_for(analysis, detector), d0_extrapolation)
    r = signal_yields(s, analysis, det, xsec_source, xs, seed, _q(lumi, "lumi", "--lumi"))
    return _with_background(
        s, r, name, analysis, det, xsec_source, xs, seed, classifier or model is not None, model, nn_cut, info
    )


def _with_background(s, r, name, analysis, det, xsec_source, xs, seed, use_nn, model, nn_cut, info):
    from lepreint.analysis.projection import LUMIS, analysis_background, nn_signal, projection
    from lepreint.config.cards import analysis_config
    from lepreint.stats.limits import r95

    card = analysis_config(analysis)
    cfg = dataclasses.replace(card, luminosity=r.luminosity)
    B = analysis_background(cfg, r.luminosity)
    out = SimulateResult(
        sample=name,
        analysis=cfg.name,
        regions=r.regions,
        luminosity_ifb=r.luminosity,
        xsec_fb=r.xsec_fb,
        xsec_source=r.xsec_source,
        S=r.S,
        S_err=r.S_err,
        B=list(B),
        R95_by_region=[r95([x], [b]) for x, b in zip(r.S, B)],
        R95=r95(r.S, B),
        excluded=r95(r.S, B) > 1,
        efficiency=r.efficiency,
        efficiency_err=r.efficiency_err,
        cutflow=r.cutflow,
        options=r.options,
        read=info,
    )
    if cfg.observed is not None and abs(r.luminosity - card.luminosity) <= 1e-6 * card.luminosity:
        out.observed = observed_statistics(cfg, r.S, B)
    if use_nn:
        from lepreint.classifier.network import load_classifier, stored_background_efficiency

        clf = load_classifier(model)
        nn = nn_signal(s, clf, nn_cut, cfg, det, xsec_source, xs, seed)
        eff, err = stored_background_efficiency(clf, nn_cut)
        b_nn = [b * eff for b in B]
        out.nn_cut, out.classifier = nn_cut, clf.meta.get("digest")
        out.S_nn, out.S_nn_err, out.B_nn, out.B_nn_err = nn.S_nn, nn.S_nn_err, b_nn, [b * err for b in B]
        out.background_efficiency, out.background_efficiency_err = eff, err
        out.R95_nn = r95(nn.S_nn, b_nn)
        out.excluded_nn = out.R95_nn > 1
        out.R95_nn_by_lumi = {f"{k:g}": v for k, v in projection(nn.S_nn, b_nn, r.luminosity, LUMIS).items()}
    return out


def _against_data(S, B, N, unc) -> dict[str, Any]:
    """R95 with the observed counts and the CLs limits (``stats.limits.limit``); a limit that cannot be computed is
    None with the reason in ``error`` (the yields and R95 stand without it)."""
    from lepreint.stats.limits import limit

    error = None
    try:
        r = limit(S, B, N, unc)
    except LepreintError as e:
        r, error = limit(S, B, N, cls=False), str(e)
    out: dict[str, Any] = {
        "N": [int(n) for n in N],
        "R95": r.R95,
        "cls_mu_up_observed": r.cls_mu_up_observed,
        "cls_mu_up_expected": r.cls_mu_up,
        "cls_mu_up_band": list(r.cls_mu_up_band),
        "cls_calculator": r.cls_calculator,
        "excluded": None if error else bool(r.cls_mu_up_observed is not None and r.cls_mu_up_observed < 1),
    }
    if error:
        out["error"] = error
    return out


def observed_statistics(cfg, S, B) -> dict[str, Any]:
    """A signal ``S`` (events per region at the analysis' luminosity) against the data: the observed counts N, R95
    with them (Eq. 3.3, N observed), and the CLs upper limit on the signal strength (observed, the median expected
    and its -2, -1, +1, +2 sigma band; the background uncertainties of the card as constrained nuisance
    parameters): ``excluded`` when the observed limit is below 1.  A combination of several channels adds
    ``by_channel``: each channel's regions (all its periods) alone.  With a published likelihood, its observed
    limit too.  A limit that cannot be computed is None, its reason in ``error``."""
    unc = list(cfg.background.uncertainty) or None
    out = _against_data(S, B, cfg.observed, unc)
    channels: dict[str, list[int]] = {}
    start = 0
    for (_, idx), channel in zip(cfg.bins, cfg.bin_channels):
        n = len(cfg.parts[idx[0]].regions)
        channels.setdefault(channel, []).extend(range(start, start + n))
        start += n
    if len(channels) > 1:
        out["by_channel"] = {
            ch: _against_data(
                [S[i] for i in idx], [B[i] for i in idx], [cfg.observed[i] for i in idx], unc and [unc[i] for i in idx]
            )
            for ch, idx in channels.items()
        }
    if cfg.likelihood:
        from lepreint.stats.likelihood import published_likelihood_limit

        try:
            out["likelihood_mu_up_observed"] = published_likelihood_limit(cfg, S).mu_up_observed
        except LepreintError as e:
            out["likelihood_mu_up_observed"], out["likelihood_error"] = None, str(e)
    return out


def yields(
    benchmark: int,
    *,
    events: int = 10_000,
    seed: int = 1,
    workers: int = 1,
    oversampling: int | None = None,
    mpi: bool = True,
    analysis: str = "soft_displaced_emu",
    detector: str | None = None,
    d0_extrapolation: str | None = None,
    xsec_source: str = "table",
    br_reading: str = "emu_fraction",
    progress: bool | str = False,
) -> SimulateResult:
    """Generate (or reuse) one of the paper's Table 1 benchmarks and compute its yields, ``lepreint yields``.
    ``br_reading``: Table 1's B(l+l-) of benchmarks 1-2 as the e-mu fraction or as (B_e + B_mu)^2."""
    from lepreint.analysis.yields import benchmark_request, signal_yields
    from lepreint.config.cards import detector_for
    from lepreint.detector.simulate import Detector
    from lepreint.events.generation.engine import generate as run
    from lepreint.events.generation.pythia import ShowerOptions

    req = benchmark_request(benchmark, events, seed, oversampling, ShowerOptions(mpi=mpi), br_reading=br_reading)
    s = run(req, workers=workers, progress=progress)
    det = Detector(detector_for(analysis, detector), d0_extrapolation)
    r = signal_yields(s, analysis, det, xsec_source)
    out = _with_background(s, r, str(s.path), analysis, det, xsec_source, None, 0, False, None, 0.9, {})
    out.benchmark = benchmark
    out.options = {**out.options, "parameters": req.parameters, "decays": req.options, "br_reading": br_reading}
    return out


# --------------------------------------------------------------------------- train


@dataclass
class TrainResult(_Result):
    """A network trained into ``output`` (model.keras, model.json), its digest and test metrics."""

    output: str
    digest: str
    same_as_shipped: bool
    metrics: dict[str, float]
    training: dict[str, Any]


def train(
    *,
    seed: int = 1,
    epochs: int = 80,
    background_weights: str = "use",
    output: str | os.PathLike = "lepreint_model",
    workers: int = 2,
) -> TrainResult:
    """Train the network of Sec. 4.2 on benchmark 1 against heavy flavour and measure its heavy-flavour
    efficiency on an independent sample, ``lepreint train`` (``seed=1`` reproduces the shipped model).  Needs
    the ``train`` extra (TensorFlow, Keras); the samples are generated once and cached."""
    from lepreint.extras import require

    require("tensorflow", "train", "training the network")  # before minutes of generation, not after
    require("keras", "train", "training the network")
    from lepreint.classifier.network import (
        TrainingConfig,
        calibrate,
        calibration_sample,
        load_classifier,
        training_samples,
    )
    from lepreint.classifier.network import train as fit

    sig, bkg = training_samples(workers)
    clf = fit(sig, bkg, TrainingConfig(seed=seed, epochs=epochs, background_weights=background_weights))
    calibrate(clf, calibration_sample(workers)).save(output, clf.keras_model)
    shipped = load_classifier()
    return TrainResult(
        str(output),
        clf.meta["digest"],
        clf.meta["digest"] == shipped.meta.get("digest"),
        dict(clf.meta["metrics"]),
        dict(clf.meta["training"]),
    )


# --------------------------------------------------------------------------- scan


@dataclass
class ScanResult(_Result):
    """A scan's folder and its points: ``rows`` (one dict per point: R95 at each luminosity as ``R95@<lumi>``),
    how many are excluded (R95 > 1) at each luminosity, the failures and their reasons."""

    output: str
    executor: str
    points: int
    ok: int
    failed: int
    lumis: list[float]
    excluded: dict[str, int]
    failures: list[str]
    table: str
    model: str
    #: the physics choices the numbers rest on: the model's options (its defaults filled in), the analysis and
    #: detector cards, the statistic, the cross sections, the network and its cut, events, draws, MPI, seed
    settings: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(repr=False, default_factory=list)


def _axis(value, dim: str) -> list[float]:
    from lepreint.results.scan import parse_axis

    if isinstance(value, (list, tuple)):
        return [float(_q(v, dim, "axis") or 0.0) for v in value]
    return parse_axis(str(value), dim)


def _lumis(value) -> list[float]:
    vals = value if isinstance(value, (list, tuple)) else [x for x in str(value).split(",") if x.strip()]
    return [float(_q(v, "lumi", "--lumi") or 0.0) for v in vals]


def _mixing(text: str | dict | None) -> dict:
    """'mu' or 'e:1,mu:1' (or a dict) -> fractions of |U|^2 per flavour."""
    if isinstance(text, dict):
        return dict(text)
    out = {}
    for part in (text or "mu").split(","):
        k, _, v = part.partition(":")
        if k.strip() not in ("e", "mu", "tau"):
            raise LepreintError(f"--mixing: flavours are e, mu, tau; got {k!r}")
        try:
            out[k.strip()] = float(v) if v else 1.0
        except ValueError:
            raise LepreintError(f"--mixing: {part!r} is not flavour:fraction") from None
    return out


#: ``scan`` arguments a scan card replaces: given with ``card``, they would be dropped
_CARD_SCAN_ARGUMENTS = (
    "model", "mc", "dm", "ctau", "u2", "mixing", "dirac", "lumi", "events", "seed", "analysis", "xsec_source",
    "classifier", "nn_cut", "draws", "statistic", "mpi", "detector",
)  # fmt: skip


#: the grid of ``scan`` where its axis is not given (dm in GeV)
SCAN_DEFAULT_DM = "20"
SCAN_DEFAULT_CTAU = "0.3mm:3m:log30"


def scan(
    *,
    model: str = "coscattering",
    mc="220",
    dm=None,
    ctau=None,
    u2=None,
    card: str | os.PathLike | None = None,
    mixing=None,
    dirac: bool = False,
    lumi="140",
    events: int = 20_000,
    seed: int = 1,
    workers: int = 2,
    analysis: str = "soft_displaced_emu",
    xsec_source: str = "table",
    classifier: bool = True,
    nn_cut: float = 0.9,
    draws: int = 5,
    statistic: str = "expected",
    mpi: bool = True,
    detector: str | None = None,
    options: dict | None = None,
    output: str | os.PathLike = "scan",
    overwrite: bool = False,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool | str = False,
    log=None,
) -> ScanResult:
    """Scan a model's parameters, ``lepreint scan``: one generation per (m_c, dm) (or m_N), every c tau (and
    |U|^2) by moving decay vertices.  Axes: ``"150:600:50"``, ``"10,20,40"``, ``"0.1mm:10m:log30"`` or lists of
    numbers/unit strings; ``u2``: the |U|^2 axis of ``model="hnl"`` (``mc`` is then m_N).  ``card``: a scan card
    whose grid and options replace these.  ``output`` keeps one scan: a rerun resumes it, other options are
    refused unless ``overwrite``.  ``log``: a callable given one line (what is reused, what is skipped).
    ``detector``: the detector card; ``options``: the model's options (e.g. ``{"flavour": "mu"}`` for sleptons)."""
    from lepreint.results.scan import ScanConfig, parse_u2_axis, run_scan

    given = locals()
    extra = dict(options or {})
    options = None
    if card:
        if extra:
            raise LepreintError("model options come from the scan card: give them there, not beside --card")
        defaults = _inspect_module.signature(scan).parameters
        beside = [n for n in _CARD_SCAN_ARGUMENTS if given[n] != defaults[n].default]
        if beside:
            raise LepreintError(
                f"card: the scan card sets the grid and the physics; {', '.join(beside)} beside it would be ignored"
            )
        cfg = ScanConfig.from_card(card)
    else:
        from lepreint.models import scan_plane

        axes = scan_plane(model).axes
        if model == "hnl":  # the heavy neutral lepton's flavour mixing and nature, as options of its samples
            options = {"mixing": _mixing(mixing), "majorana": not dirac}
        elif mixing or dirac:
            raise LepreintError("--mixing and --dirac are options of --model hnl")
        if extra:
            from lepreint.models import model_module

            known = model_module(model).DEFAULT_OPTIONS
            unknown = sorted(set(extra) - set(known))
            if unknown:
                raise LepreintError(
                    f"--option {', '.join(unknown)}: not an option of model {model} (its options: "
                    f"{', '.join(sorted(known)) or 'none'})"
                )
            options = {**(options or {}), **extra}
        unused = [f"--{n}" for n, v in (("dm", dm), ("ctau", ctau)) if v is not None and n not in axes]
        if unused:
            raise LepreintError(
                f"{', '.join(unused)}: a {model} scan has no such axis (its plane: {', '.join(axes)}"
                + ("; c tau follows from the model's parameters" if "ctau" not in axes else "")
                + ")"
            )
        dm = SCAN_DEFAULT_DM if dm is None else dm
        ctau = SCAN_DEFAULT_CTAU if ctau is None else ctau
        if "u2" in axes and not u2:
            raise LepreintError(f"--model {model} needs --u2 (the |U|^2 axis)")
        if u2 and "u2" not in axes:
            raise LepreintError(f"--u2: a {model} scan has no |U|^2 axis (its plane: {', '.join(axes)})")
        u2_axis = ([float(x) for x in u2] if isinstance(u2, (list, tuple)) else parse_u2_axis(str(u2))) if u2 else []
        cfg = ScanConfig(
            _axis(mc, "energy"),
            _axis(dm, "energy") if "dm" in axes else [],
            _axis(ctau, "length") if "ctau" in axes else [],
            model=model,
            options=options,
            analysis=analysis,
            lumi=_lumis(lumi),
            events=events,
            seed=seed,
            mpi=mpi,
            xsec_source=xsec_source,
            classifier=classifier,
            nn_cut=nn_cut,
            draws=draws,
            statistic=statistic,
            u2=u2_axis,
            detector=detector or "",
        )
    if scheduler and dask_local:
        raise LepreintError("give --scheduler or --dask-local, not both")
    if dask_local is not None and dask_local < 1:
        raise LepreintError(f"--dask-local: need a number of workers >= 1, got {dask_local}")
    if scheduler is not None and not re.fullmatch(r"[a-z][a-z0-9+.-]*://\S+", scheduler):  # Dask's address forms
        raise LepreintError(
            f"--scheduler: expected a Dask scheduler address such as tcp://host:8786, got {scheduler!r}"
        )
    executor = scheduler or (f"local:{dask_local}" if dask_local else "local")
    rows = run_scan(cfg, output, workers, progress=progress, executor=executor, overwrite=overwrite, log=log)
    ok = [r for r in rows if r["status"] == "ok"]
    return ScanResult(
        output=str(output),
        executor=executor,
        points=len(rows),
        ok=len(ok),
        failed=len(rows) - len(ok),
        lumis=list(cfg.lumi),
        excluded={f"{x:g}": sum(r.get(f"R95@{x:g}", 0) > 1 for r in ok) for x in cfg.lumi},
        failures=sorted({r["reason"] for r in rows if r["status"] != "ok"}),
        table=os.path.join(str(output), "scan.csv"),
        model=cfg.model,
        settings=_scan_settings(cfg),
        rows=rows,
    )


def _scan_settings(cfg) -> dict:
    out = {
        "options": cfg.resolved_options(),
        "analysis": str(cfg.analysis),
        "detector": str(cfg.detector),
        "statistic": cfg.statistic,
        "xsec_source": cfg.xsec_source,
        "classifier": cfg.classifier,
        "events": cfg.events,
        "draws": cfg.draws,
        "mpi": cfg.mpi,
        "seed": cfg.seed,
    }
    if cfg.classifier:
        out["nn_cut"] = cfg.nn_cut
    return out


# --------------------------------------------------------------------------- cross sections


def xsec(process: str = "wino-c1c1", mass: float | str = 220.0, sqrt_s: float | str = "13 TeV", source: str = "table"):
    """Production cross section in fb, ``lepreint xsec``: ``process`` (``wino-c1c1``, ``wino-n2c1``,
    ``higgsino-c1c1``, ``higgsino-n1n2``, ``higgsino-nc1``), ``mass`` (GeV or with a unit), ``sqrt_s`` (GeV, as
    every energy inside lepreint, or with a unit: ``"13.6 TeV"``), ``source`` ``table`` (LHC SUSY WG NLO+NLL)
    or ``paper`` (the paper's quoted values).  Returns an ``Xsec`` (``xsec_fb``, ``unc_fb``, ``reference``)."""
    from lepreint.models.xsec import xsec as lookup

    e = _q(sqrt_s, "energy", "sqrt_s")
    if e is None or e < 1000.0:
        raise LepreintError(f"sqrt_s = {sqrt_s!r}: a collision energy in GeV (13000) or with a unit ('13 TeV')")
    return lookup(process, float(_q(mass, "energy", "mass") or 0.0), e / 1000.0, source)
