"""Sample generation: chunks of Pythia events over worker processes, lepreint's LLP decays, the cache.

Reproducibility: the events are cut into chunks of a fixed size (part of the configuration);
chunk ``i`` draws its Pythia seed and its numpy stream from ``SeedSequence(seed, spawn_key=(i,))``.
Chunks are concatenated in order, so the same seed gives the same sample whatever the number of
workers.  With a generator-level filter (the b-bbar background) the run stops after the first
prefix of chunks whose accepted events reach the requested number, again independent of workers.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import awkward as ak
import numpy as np

from lepreint import units
from lepreint._version import __version__
from lepreint.config.cards import find_card, load_card
from lepreint.errors import LepreintError
from lepreint.events.generation.assemble import assemble_rows
from lepreint.events.generation.pythia import (
    LLP_COLUMNS,
    SEED_MAX,
    VIS_COLUMNS,
    PythiaRun,
    ShowerOptions,
    pythia_version,
    state_weights,
)
from lepreint.events.hepmc import HepMCWriter
from lepreint.events.slim import (
    ISO_CONES,
    ISO_MIN_PT,
    JET_MIN_PT,
    JET_R,
    LEPTON_MIN_PT,
    SCHEMA_VERSION,
    Ragged,
    Sample,
    cache_root,
    config_digest,
    content_digest,
    find_sample,
    save_sample,
)
from lepreint.models import check_options
from lepreint.models import model_module as find
from lepreint.parallel import fork_context, ignore_sigint

__all__ = [
    "GenerationRequest",
    "build_request",
    "generate",
    "model_module",
    "GENERATION_REVISION",
    "PYTHIA_DECAYED_REVISION",
]

#: bumped whenever lepreint's own generation physics changes (decays, extraction, slim-event
#: definitions): part of every cache key, so that a stale sample is never reused
GENERATION_REVISION = 2


#: a filtered run that accepts nothing in this many chunks stops with an error instead of running forever
MAX_EMPTY_CHUNKS = 50


#: how events with LLPs decayed by Pythia are kept (2: one in which Pythia left such a particle undecayed is
#: redrawn); part of those samples' keys and of their scans' identities only
PYTHIA_DECAYED_REVISION = 2


def model_module(name: str):
    """The module implementing a registered model (``lepreint.models.MODELS``)."""

    return find(name)


@dataclass
class GenerationRequest:
    """Everything that determines a sample (and so its cache key); the worker count is not part of it."""

    model: str
    parameters: dict[str, float]
    events: int
    seed: int = 1
    oversampling: int | None = None
    options: dict[str, Any] = field(default_factory=dict)
    shower: ShowerOptions = field(default_factory=ShowerOptions)
    xsec_source: str | None = None
    chunk_size: int | None = None

    def __post_init__(self):
        mod = model_module(self.model)
        given = dict(self.parameters)
        self.parameters = mod.check_parameters(given)
        unknown = set(given) - set(self.parameters)
        if unknown:
            raise LepreintError(
                f"unknown parameter(s) {', '.join(sorted(unknown))} for model {self.model}; "
                f"known: {', '.join(sorted(self.parameters)) or 'none'}"
            )
        self.options = check_options(self.model, self.options)
        self.options = {**mod.DEFAULT_OPTIONS, **self.options}
        check = getattr(mod, "check_request", None)  # a model's checks of parameters and options together
        if check is not None:
            check(self.parameters, self.options)
        if self.events < 1:
            raise LepreintError(f"events must be >= 1, got {self.events}")
        if self.seed < 0:
            raise LepreintError(f"seed must be >= 0, got {self.seed}")
        decays = mod.llp_decay(self.parameters, self.options) is not None
        if self.oversampling is None:
            self.oversampling = mod.DEFAULT_OVERSAMPLING if decays else 1
        if self.oversampling < 1:
            raise LepreintError(f"oversampling K must be >= 1, got {self.oversampling}")
        if not decays:
            self.oversampling = 1
        self.xsec_source = self.xsec_source or mod.DEFAULT_XSEC_SOURCE
        refused = getattr(mod, "PYTHIA_XSEC_REFUSED", None)
        if self.xsec_source == "pythia" and refused:
            raise LepreintError(f"xsec source 'pythia' is refused for model {self.model}: {refused}")
        if self.chunk_size is not None and self.chunk_size < 1:
            raise LepreintError(f"chunk: need an integer >= 1 (events per worker chunk), got {self.chunk_size}")
        self.chunk_size = int(self.chunk_size or mod.DEFAULT_CHUNK)

    def config(self) -> dict:
        # the LLPs Pythia decays and lepreint records, and the composition a sample is weighted to (part of the
        # key only where there are any, so that every other sample keeps its identity)
        mod = model_module(self.model)
        setup = mod.pythia_setup(self.parameters, self.options)
        decay = mod.llp_decay(self.parameters, self.options)
        decayed = sorted(setup.decayed_llp_ids)
        fractions = {str(k): v for k, v in sorted((setup.state_fractions or {}).items())}
        return {
            # (2: an event in which Pythia left one of them undecayed is redrawn, not kept)
            **({"pythia_decayed_llps": decayed, "pythia_decayed_revision": PYTHIA_DECAYED_REVISION} if decayed else {}),
            # weighted to the composition over the whole sample, once generated
            **({"state_fractions": fractions, "state_weighting": "sample"} if fractions else {}),
            "model": self.model,
            "parameters": self.parameters,
            "events": self.events,
            "seed": self.seed,
            "oversampling": self.oversampling,
            # (options whose whole effect the decay's specification below records are left to it, so that adding
            # one, e.g. tau_polarisation, keeps the samples it does not change)
            "options": {k: v for k, v in self.options.items() if k not in getattr(mod, "OPTIONS_IN_DECAY", ())},
            "shower": self.shower.as_dict(),
            "xsec_source": self.xsec_source,
            "chunk_size": self.chunk_size,
            # lepreint's own decays as the model computes them (lifetime, branching ratios, every field of the
            # decay's specification): a change of the model's physics is a new sample even where its parameters and
            # options are the same (part of the key only where lepreint decays, as above)
            **({"llp_decay": _rounded(decay)} if decay is not None else {}),
            "slim": {
                "lepton_min_pt_GeV": LEPTON_MIN_PT,
                "iso_min_pt_GeV": ISO_MIN_PT,
                "iso_cones": list(ISO_CONES),
                "jet_R": JET_R,
                "jet_min_pt_GeV": JET_MIN_PT,
            },
            "versions": {"pythia8mc": pythia_version(), "schema": SCHEMA_VERSION, "generation": GENERATION_REVISION},
        }


#: the dimension of model parameters that carry one (others are pure numbers, e.g. |U|^2)
PARAMETER_DIMENSIONS = {
    "mc": "energy",
    "dm": "energy",
    "mN": "energy",
    "mstop": "energy",
    "mslep": "energy",
    "ctau": "length",
}


def build_request(
    card=None,
    model: str | None = None,
    parameters: dict | None = None,
    options: dict | None = None,
    shower: dict | None = None,
    events: int | None = None,
    seed: int | None = None,
    oversampling: int | None = None,
    xsec_source: str | None = None,
    chunk_size: int | None = None,
) -> GenerationRequest:
    """The generation request of a model card (path or name; optional) with explicit values on top.

    Parameters may be numbers in internal units (GeV, mm) or strings with units ("1 cm"); a card's ``generation``
    block gives events, seed, oversampling, options and shower settings; explicit arguments win.  Every check of
    ``GenerationRequest`` runs here, so ``lepreint check`` on a model card finds what ``generate`` would."""

    params, opts, gen, show, card_xsec = {}, {}, {}, {}, None
    if card is not None:
        c = load_card(find_card(card, "model") if not hasattr(card, "data") else card.path, "model")
        d = c.data
        model = model or d["model"]
        params = dict(d.get("parameters", {}))
        gen = d.get("generation", {})
        opts = dict(gen.get("options", {}))
        show = dict(gen.get("shower", {}))
        card_xsec = d.get("xsec", {}).get("source")
        if card_xsec == "value":
            raise LepreintError(
                f"{c.path}: xsec.source 'value' is for HepMC input (lepreint simulate --xsec); "
                "generate takes 'table', 'paper', 'nnlo_nnll' or 'none'"
            )
    params.update(parameters or {})
    out = {}
    for k, v in params.items():
        try:
            out[k] = (
                units.to_internal(v, PARAMETER_DIMENSIONS[k], bare_numbers=True)
                if k in PARAMETER_DIMENSIONS
                else float(v)
            )
        except units.UnitError as e:
            raise LepreintError(f"parameter {k}: {e}") from None
        except (ValueError, TypeError):
            raise LepreintError(f"parameter {k}: {v!r} is not a number") from None
    opts.update(options or {})
    show.update(shower or {})
    if "ecm" in show:
        ecm = show["ecm"]
        show["ecm"] = units.to_internal(ecm, "energy", bare_numbers=True)
        if show["ecm"] < 1000.0:
            raise LepreintError(f"ecm = {ecm!r}: a collision energy in GeV (13000) or with a unit ('13.6 TeV')")
    try:
        shower_options = ShowerOptions(**show)
    except TypeError as e:
        raise LepreintError(f"shower settings: {e}") from None
    return GenerationRequest(
        model or "coscattering",
        out,
        events if events is not None else gen.get("events", 1000),
        seed if seed is not None else gen.get("seed", 1),
        oversampling if oversampling is not None else gen.get("oversampling"),
        opts,
        shower_options,
        xsec_source or card_xsec,
        chunk_size,
    )


def _chunk_seeds(seed: int, index: int) -> tuple[int, np.random.Generator]:
    """Pythia seed and numpy stream of chunk ``index``.  The Pythia seeds of one run are consecutive
    from a base drawn from ``seed``, so no two chunks of a run can share one (hashing each chunk to
    the 9e8 seeds Pythia accepts would collide with probability ~ chunks^2 / 1.8e9)."""
    base = int(np.random.SeedSequence(seed).generate_state(1, np.uint32)[0]) % (SEED_MAX - 1)
    pythia_seed = (base + index) % (SEED_MAX - 1) + 1  # 0 would mean "from the clock"
    return pythia_seed, np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


#: events generated so far by the chunks of the running generation, shared with forked workers (progress only)
_TRIED: Any = None


#: (pid, callable): the generating process's own display, called from ``_tick`` when chunks run in-process
_SHOW: Any = None


def _tick(n: int) -> None:
    if _TRIED is not None:
        with _TRIED.get_lock():
            _TRIED.value += n
        if _SHOW is not None and _SHOW[0] == os.getpid():
            _SHOW[1]()


def _run_chunk(req: GenerationRequest, index: int, n_tried: int, keep_truth: bool) -> dict:
    mod = model_module(req.model)
    setup = mod.pythia_setup(req.parameters, req.options)
    pythia_seed, rng = _chunk_seeds(req.seed, index)
    run = PythiaRun(setup, req.shower, pythia_seed)
    try:
        truth = run.run(n_tried, keep_invisible=keep_truth, tick=_tick)
        sigma, sigma_err = run.sigma_fb(), run.sigma_err_fb()
    finally:
        run.close()
    n = len(truth.weights)
    vis_all = np.concatenate(truth.vis) if n else np.zeros((0, len(VIS_COLUMNS)))
    vis = Ragged.from_counts([len(v) for v in truth.vis], **{c: vis_all[:, i] for i, c in enumerate(VIS_COLUMNS)})
    llp_all = np.concatenate(truth.llps) if n else np.zeros((0, len(LLP_COLUMNS)))
    llps = Ragged.from_counts([len(v) for v in truth.llps], **{c: llp_all[:, i] for i, c in enumerate(LLP_COLUMNS)})
    inv = np.asarray(truth.inv, dtype=float).reshape(-1, 2)
    decay = mod.llp_decay(req.parameters, req.options)
    rows, d = assemble_rows(vis, inv, np.asarray(truth.weights), llps, decay, req.oversampling, rng)
    out = {
        "index": index,
        "rows": rows,
        "accepted": n,
        "tried": truth.tried,
        "sum_weights_tried": truth.sum_weights_tried,
        "sum_weights_kept": float(np.sum(truth.weights)),
        "tried_by_state": dict(truth.tried_by_state),
        "undecayed_redrawn": truth.undecayed_redrawn,
        "sigma_fb": sigma,
        "sigma_err_fb": sigma_err,
    }
    if keep_truth:
        out["truth"] = {
            "vis": vis,
            "llps": llps,
            "inv_particles": truth.inv_particles,
            "decays": d,
            "k": req.oversampling,
            "decay": decay,
            "ecm_GeV": req.shower.ecm,
        }
    return out


def _plan(req: GenerationRequest, filtered: bool):
    """Chunk sizes (tried events per chunk), as an endless iterator when a filter decides the count."""
    c = req.chunk_size
    if not filtered:
        n_chunks = math.ceil(req.events / c)
        for i in range(n_chunks):
            yield i, min(c, req.events - i * c)
    else:
        i = 0
        while True:
            yield i, c
            i += 1


def generate(
    request: GenerationRequest,
    workers: int = 1,
    cache: bool = True,
    progress: bool | str = False,
    hepmc: str | os.PathLike | None = None,
    hepmc_options: dict | None = None,
    reuse: bool = True,
) -> Sample:
    """Generate (or fetch from the cache) the sample of ``request``.

    ``workers`` processes share the chunks; ``cache``: store the sample under ``$LEPREINT_CACHE``;
    ``reuse=False`` regenerates even when it is cached; ``hepmc`` also writes the events (every copy, each with its
    weight) as HepMC3 (then the cache is not read, the events are regenerated identically).
    """
    mod = model_module(request.model)
    if int(workers) < 1:
        raise LepreintError(f"workers: need an integer >= 1, got {workers}")
    cfg = request.config()
    digest = config_digest(cfg)
    if cache and reuse and hepmc is None:
        hit = find_sample(cfg)
        if hit is not None:
            hit.cache_hit = True
            return hit
    # the cross section first: a mass outside the table is an error before any CPU is spent
    xsec_fb, xsec_src = (None, None)
    if request.xsec_source == "none":
        xsec_src = "none: give the cross section (--xsec) to simulate"
    elif request.xsec_source != "pythia":
        xsec_fb, xsec_src = mod.cross_section(
            request.parameters, request.shower.ecm, request.xsec_source, request.options
        )
    filtered = bool(getattr(mod, "FILTERED", False))
    workers = max(1, int(workers))
    setup = mod.pythia_setup(request.parameters, request.options)
    fractions = setup.state_fractions
    writer = None
    if hepmc is not None and fractions is not None:
        raise LepreintError(
            f"HepMC output of model {request.model}: its events are weighted to a composition once all are "
            f"generated, and HepMC3 output is written as they come (not supported yet): use the slim events"
        )
    if hepmc is not None:
        spec = mod.llp_decay(request.parameters, request.options)
        if setup.decayed_llp_ids:
            raise LepreintError(
                f"HepMC output writes lepreint's own LLP decays; Pythia decays the long-lived particles of model "
                f"{request.model} (not written yet): use the slim events"
            )
        if spec is not None and (isinstance(spec, list) or spec.get("kind", "wstar") != "wstar"):
            raise LepreintError(
                f"HepMC output writes lepreint's chargino (W*) decays; model {request.model} decays its "
                "long-lived particles otherwise (not written yet): use the slim events"
            )
        if request.xsec_source == "none":
            raise LepreintError("HepMC output writes the sample's cross section: choose a source other than 'none'")
        writer = HepMCWriter(hepmc, **(hepmc_options or {}))
        writer.process_xsec_pb = xsec_fb / 1000.0 if xsec_fb is not None else None
    results: list[dict] = []
    accepted = 0
    t0 = time.perf_counter()
    bar = _Progress(request.events, "events" if not filtered else "accepted events", mode=progress)
    plan = _plan(request, filtered)
    global _TRIED, _SHOW
    # events generated so far, counted inside the running chunks (the bar moves during a chunk, not after it)
    _TRIED = fork_context().Value("q", 0) if bar.enabled and not filtered else None
    from_store = [0]

    def show():
        if _TRIED is not None:
            bar.update(from_store[0] + _TRIED.value)

    _SHOW = (os.getpid(), show)

    def check_progress():
        tried = sum(r["tried"] for r in results)
        if filtered and accepted == 0 and len(results) >= MAX_EMPTY_CHUNKS:
            raise LepreintError(
                f"{request.model}: the generator-level filter accepted none of {tried} events "
                f"({len(results)} chunks); loosen the filter options ({request.options})"
            )

    # finished chunks are kept until the sample is saved: an interrupted generation continues where it stopped
    store = _ChunkStore(digest) if cache and reuse and writer is None else None

    def chunk(i, n_tried):
        r = store.get(i) if store is not None else None
        if r is not None:
            from_store[0] += r["tried"]
        if r is None:
            r = _run_chunk(request, i, n_tried, writer is not None)
            if store is not None:
                store.put(i, r)
        return r

    try:
        if workers == 1:
            for i, n_tried in plan:
                r = chunk(i, n_tried)
                accepted = _take(r, results, writer, bar, accepted)
                check_progress()
                if filtered and accepted >= request.events:
                    break
        else:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=fork_context(), initializer=ignore_sigint)
            try:
                pending: dict[int, Any] = {}
                next_needed = 0
                exhausted = False
                while True:
                    while not exhausted and len(pending) < workers + 1:
                        try:
                            i, n_tried = next(plan)
                        except StopIteration:
                            exhausted = True
                            break
                        kept = store.get(i) if store is not None else None
                        if kept is not None:
                            from_store[0] += kept["tried"]
                            pending[i] = Future()
                            pending[i].set_result(kept)
                        else:
                            pending[i] = pool.submit(_run_chunk, request, i, n_tried, writer is not None)
                    if next_needed not in pending:
                        break
                    while not wait([pending[next_needed]], timeout=0.5).done:
                        show()
                    r = pending.pop(next_needed).result()
                    if store is not None:
                        store.put(next_needed, r)
                    accepted = _take(r, results, writer, bar, accepted)
                    check_progress()
                    next_needed += 1
                    if filtered and accepted >= request.events:
                        break
            finally:  # do not wait for chunks nobody needs (done, or an error in one of them)
                pool.shutdown(wait=True, cancel_futures=True)
    finally:
        bar.close()
        _TRIED = _SHOW = None
        if writer is not None:
            writer.close()
    wall = time.perf_counter() - t0
    rows = ak.concatenate([r["rows"] for r in results]) if results else results
    tried = sum(r["tried"] for r in results)
    sw_tried = sum(r["sum_weights_tried"] for r in results)
    kept_w = sum(r["sum_weights_kept"] for r in results)
    if fractions is not None and len(rows):
        rows, kept_w = _with_composition(rows, fractions, results, tried)
    sigma_py = float(np.average([r["sigma_fb"] for r in results], weights=[r["tried"] for r in results]))
    if xsec_fb is None and request.xsec_source == "pythia":
        xsec_fb, xsec_src = sigma_py, "pythia: leading-order sigmaGen of this run"
    meta = {
        **cfg,
        "config_digest": digest,
        "events": accepted,
        "rows": len(rows),
        "tried": tried,
        "sum_weights_tried": sw_tried,
        "sum_weights_kept": kept_w,
        "filter_efficiency": float(f"{kept_w / sw_tried:.12g}") if sw_tried else 0.0,
        "xsec_fb": xsec_fb,
        "xsec_source": xsec_src,
        "xsec_pythia_fb": sigma_py,
        **(
            {"pythia_undecayed_redrawn": sum(r.get("undecayed_redrawn", 0) for r in results)}
            if cfg.get("pythia_decayed_llps")
            else {}
        ),
        "llp_decay": _describe_decay(mod.llp_decay(request.parameters, request.options)),
        "generation_seconds": wall,
        "versions": {**cfg["versions"], **_versions()},
    }
    sample = save_sample(rows, meta) if cache else _unsaved(rows, meta)
    sample.cache_hit = False
    if store is not None:
        store.clear()
    return sample


class _ChunkStore:
    """Finished chunks of one generation (``$LEPREINT_CACHE/chunks/<config digest>/<index>.pkl``), written
    atomically as they finish and removed once the sample is saved.  Chunks are deterministic in (config, index),
    so a kept chunk is exactly the one a rerun would make."""

    def __init__(self, digest: str):

        self.dir = cache_root() / "chunks" / digest[:16]

    def get(self, index: int) -> dict | None:
        import pickle

        f = self.dir / f"{index}.pkl"
        if not f.is_file():
            return None
        try:
            with open(f, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # a damaged file is not a result: the chunk is generated again
            return None

    def put(self, index: int, result: dict) -> None:
        import pickle
        import tempfile

        if (self.dir / f"{index}.pkl").is_file():
            return
        tmp = None
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump({k: v for k, v in result.items() if k != "truth"}, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.dir / f"{index}.pkl")
            tmp = None
        except FileNotFoundError:
            pass  # another generation of the same sample finished and cleared the folder: nothing to keep
        finally:
            if tmp is not None:  # a write that did not finish (disk full, Ctrl-C) leaves nothing behind
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def clear(self) -> None:
        import shutil

        shutil.rmtree(self.dir, ignore_errors=True)


def _take(r: dict, results: list, writer, bar, accepted: int) -> int:
    offset = accepted
    if offset:
        r["rows"] = ak.with_field(r["rows"], r["rows"].event + offset, "event")
    results.append(r)
    if writer is not None:
        # the file holds the events that passed the generator-level filter: its cross section is the process's
        # times the filter's efficiency so far (the last event's value is the one a reader takes)
        sw_tried = sum(x["sum_weights_tried"] for x in results)
        eff = sum(x["sum_weights_kept"] for x in results) / sw_tried if sw_tried > 0 else 0.0
        if writer.process_xsec_pb is not None:
            writer.set_cross_section(writer.process_xsec_pb, 0.0, eff)
        else:  # Pythia's own: the running estimate of the chunks so far
            tried = [x["tried"] for x in results]
            sigma = float(np.average([x["sigma_fb"] for x in results], weights=tried))
            err = float(np.sqrt(np.sum(np.square([x["sigma_err_fb"] * t for x, t in zip(results, tried)]))))
            writer.set_cross_section(sigma / 1000.0, err / max(np.sum(tried), 1) / 1000.0, eff)
        writer.write_chunk(r["rows"], r.pop("truth"))  # the full record is not kept once written
    bar.done(r["tried"] if bar.unit == "events" else r["accepted"])
    return accepted + r["accepted"]


def _with_composition(rows, fractions: dict[int, float], results: list, tried: int):
    """The rows weighted to the model's composition (``PythiaSetup.state_fractions``) over all the sample's
    generated events, and the new sum of kept weights."""
    by_state: dict[int, float] = {}
    for r in results:
        for k, w in r["tried_by_state"].items():
            by_state[k] = by_state.get(k, 0.0) + w
    factor = state_weights(fractions, by_state, tried)
    # every event's state was checked against the fractions as it was generated (``PythiaRun.run``)
    state = np.abs(ak.to_numpy(ak.firsts(rows.llps.pdg)).astype(np.int64))
    w = ak.to_numpy(rows.weight) * np.array([factor[int(k)] for k in state])
    return ak.with_field(rows, w, "weight"), float(np.sum(w))


def _unsaved(rows, meta) -> Sample:

    meta = dict(meta, schema=SCHEMA_VERSION, digest=content_digest(rows))
    return Sample(rows, meta, None)


def _rounded(obj):
    """``obj`` with every float to 12 significant digits and every key a string (a cache key that does not hang on
    the last bits of a computed width)."""
    if isinstance(obj, float):
        return float(f"{obj:.12g}")
    if isinstance(obj, dict):
        return {str(k): _rounded(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_rounded(v) for v in obj]
    return obj


def _describe_decay(decay: dict | list | None) -> dict | list | None:
    """The LLP decays of a sample's metadata (one species: a dict, as always; several: a list)."""
    if decay is None:
        return None
    if isinstance(decay, list):
        return [_describe_decay(d) for d in decay]
    out = {
        "pdg": decay["pdg"],
        "m_parent_GeV": decay["m_parent"],
        "m_daughter_GeV": decay.get("m_daughter"),
        "ctau_mm": decay["ctau"],
        "branching": {str(k): v for k, v in decay["branching"].items()},
        "matrix_element": decay.get("matrix_element", "V-A"),
        "couplings": list(decay.get("couplings", ())),
    }
    if decay.get("kind", "wstar") != "wstar":
        out["kind"] = decay["kind"]
        out.update({k: decay[k] for k in ("majorana",) if k in decay})
    return out


def _versions() -> dict:
    from importlib.metadata import version

    out = {"lepreint": __version__, "python": sys.version.split()[0]}
    for pkg in ("numpy", "awkward", "fastjet", "pyarrow"):
        try:
            out[pkg] = version(pkg)
        except Exception:  # pragma: no cover
            out[pkg] = "unknown"
    return out


def progress_mode(mode) -> str | None:
    """``"bar"`` (a terminal), ``"plain"`` (a log) or None: what ``progress=True`` means where stderr goes."""
    import sys

    if mode is True:
        return "bar" if sys.stderr.isatty() else "plain"
    return mode or None


class _Progress:
    """Progress of a generation on stderr: ``mode`` ``"bar"`` (a rich bar with rate and ETA, for a terminal),
    ``"plain"`` (a line every 10% or minute, for logs), True (the bar on a terminal, else plain) or False.
    ``update(n)``: events so far, counted inside running chunks; ``done(n)``: a chunk's events, taken in order."""

    def __init__(self, total: int, unit: str, mode=False):
        self.mode, self.total, self.unit = progress_mode(mode), max(int(total), 1), unit
        self.enabled = self.mode is not None
        self.count = self.taken = 0
        self.t0 = time.perf_counter()
        self.last_print = (-1, self.t0)
        if self.mode != "bar":
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        class _Rate(TextColumn):
            def __init__(self):
                super().__init__("")

            def render(self, task):
                from rich.text import Text

                speed = task.finished_speed or task.speed
                return Text(f"{speed:,.0f} {unit}/s" if speed else f"-- {unit}/s")

        self.p = Progress(
            TextColumn("generating"),
            BarColumn(),
            MofNCompleteColumn(),
            _Rate(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.p.start()
        self.task = self.p.add_task("gen", total=total)

    def update(self, n: int) -> None:
        """Events so far (never moves backwards)."""
        if not self.enabled or n <= self.count:
            return
        self.count = min(n, self.total)
        if self.mode == "bar":
            self.p.update(self.task, completed=self.count)
            return
        import sys

        now = time.perf_counter()
        decile = 10 * self.count // self.total
        if decile > self.last_print[0] or now - self.last_print[1] > 60:
            self.last_print = (decile, now)
            rate = self.count / max(now - self.t0, 1e-9)
            left = (self.total - self.count) / rate if rate > 0 else float("inf")
            print(
                f"generating: {self.count}/{self.total} {self.unit} ({100 * self.count / self.total:.0f}%), "
                f"{rate:,.0f} {self.unit}/s, about {left:.0f} s left",
                file=sys.stderr,
                flush=True,
            )

    def done(self, n: int) -> None:
        self.taken += n
        self.update(self.taken)

    def close(self) -> None:
        if self.mode == "bar":
            self.p.stop()
