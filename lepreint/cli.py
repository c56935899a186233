"""The ``lepreint`` command: one click group, one subcommand per stage.

Each subcommand is a thin wrapper over a public function of the same name.  ``--json`` prints
sorted JSON on stdout; otherwise a readable table.  Bad input (cards, units, out-of-range
masses, ...) gives one line ``lepreint: error: ...`` on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys

import click

from lepreint import units
from lepreint._version import __version__
from lepreint.errors import LepreintError
from lepreint.models import MODELS
from lepreint.stats.heavy_flavour import EQ34_COUNTS, TABLE3_REFERENCE_COUNTS, background

__all__ = ["main"]

#: the exceptions that mean "bad input": reported in one line, exit code 2.  OSError: a file or folder the user
#: named (missing, a file where a folder is needed, no permission, disk full) -- the environment, not a bug.
USER_ERRORS: tuple[type[BaseException], ...] = (LepreintError, OSError)

#: what an interrupted command keeps and how to resume it (set by the command; printed on Ctrl-C)
_ON_INTERRUPT = {"kept": "nothing was kept"}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def fail(message: str) -> None:
    """The one failure format: ``lepreint: error: <what>: <why>`` on stderr, exit code 2."""
    click.echo(f"lepreint: error: {_one_line(message)}", err=True)
    sys.exit(2)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, LepreintError):
        where = exc.filename if exc.filename is not None else ""
        why = exc.strerror or type(exc).__name__
        return f"{where}: {why}" if where else why
    return str(exc)


class _Interrupted(Exception):
    """Ctrl-C inside a command, carried past click (which would print an empty line and 'Aborted!')."""


def _user_errors(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except USER_ERRORS as exc:
            fail(_describe(exc))
        except KeyboardInterrupt:
            raise _Interrupted() from None

    return wrapper


#: what an interrupted generation keeps
KEPT_CHUNKS = (
    "the finished chunks of the generation are kept in the cache ($LEPREINT_CACHE/chunks): rerun the same command "
    "to continue from them"
)


def _kept(text: str) -> None:
    """Record what an interrupted run of this command keeps (shown on Ctrl-C)."""
    _ON_INTERRUPT["kept"] = text


def _emit(payload: dict, as_json: bool, table) -> None:
    payload = {"lepreint_version": __version__, **payload}
    if as_json:
        click.echo(json.dumps(payload, sort_keys=True, indent=1, default=float))
    else:
        from rich.console import Console

        Console().print(table(payload))


def _given(*names: str) -> list[str]:
    """The options among ``names`` (parameter names) the user gave, as ``--option`` words."""
    ctx = click.get_current_context()
    return [
        f"--{n.replace('_', '-')}"
        for n in names
        if ctx.get_parameter_source(n) is not click.core.ParameterSource.DEFAULT
    ]


def _refuse_unused(given: list[str], why: str) -> None:
    """Options that would be accepted and not used: one line, exit 2."""
    if given:
        fail(f"{', '.join(given)}: {why}")


def _floats(text: str, what: str) -> list[float]:
    try:
        out = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers for {what}, got {text!r}") from None
    if not out:
        raise click.BadParameter(f"expected at least one number for {what}, got {text!r}")
    return out


def _quantity(dim: str):
    def convert(ctx, param, value):
        if value is None:
            return None
        try:
            return units.to_internal(value, dim, bare_numbers=True)
        except units.UnitError as exc:
            raise click.BadParameter(str(exc)) from None

    return convert


_LLP_HELP = (
    "PDG ids of long-lived particles in a HepMC3 file, comma-separated [default: charginos 1000024, 1000037, "
    "the second neutralino 1000023 and heavy neutral leptons 9900012/14/16, 9990012]"
)


def _hepmc_options(f):
    """--llp-ids, --displaced, --skip-bad-events, --invisible and --weight: how a HepMC3 file is read (inspect,
    simulate)."""
    f = click.option(
        "--weight",
        default=None,
        help="HepMC3: the name of the event weight to use [default: the file's first]",
    )(f)
    f = click.option(
        "--invisible",
        default=None,
        help="HepMC3: PDG ids of stable particles to count as invisible besides neutrinos, 1000012/14/16, 1000022, "
        "1000039 and 51-53 (e.g. a dark-matter candidate of your own model)",
    )(f)
    f = click.option(
        "--skip-bad-events", is_flag=True, help="HepMC3: skip (and count) malformed events instead of stopping"
    )(f)
    f = click.option(
        "--displaced",
        default=None,
        callback=_quantity("length"),
        help="HepMC3: also treat any particle decaying this far from its origin as long-lived (mm if bare)",
    )(f)
    return click.option("--llp-ids", default=None, help=_LLP_HELP)(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lepreint")
def cli():
    """Reinterpret LHC searches for soft, displaced leptons."""


# --------------------------------------------------------------------------- check


@cli.command(short_help="Validate cards as the commands that use them would")
@click.argument("cards", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="sorted JSON on stdout")
def check(cards, as_json):
    """Validate CARDS (any kind; read from their `kind:` field) with the checks of the command that uses each
    (a model card as `generate` would, a scan card as `scan` would), and print what was found."""
    from lepreint.config.check import check_card

    found, bad = [], 0
    for c in cards:
        try:
            card = check_card(c)
        except LepreintError as exc:
            bad += 1
            click.echo(f"lepreint: error: {exc}", err=True)
            found.append({"card": c, "valid": False, "error": str(exc)})
            continue
        d = card.data
        summary = {"card": c, "valid": True, "kind": card.kind, "name": d.get("name", ""), "digest": card.digest}
        if card.kind == "analysis":
            summary["regions"] = [r["name"] for r in d["signal_regions"]]
            summary["luminosity"] = d["luminosity"]
        elif card.kind == "combination":
            summary["bins"] = [f"{b['channel']} {b['period']}" for b in d["bins"]]
            summary["luminosity"] = d["luminosity"]
        elif card.kind == "benchmarks":
            summary["points"] = len(d["points"])
        elif card.kind == "model":
            summary["model"] = d["model"]
        found.append(summary)
    if as_json:
        click.echo(json.dumps({"cards": found}, sort_keys=True, indent=1))
    else:
        for s in found:
            if s["valid"]:
                extra = ", ".join(f"{k}={s[k]}" for k in ("regions", "bins", "luminosity", "points", "model") if k in s)
                click.echo(f"ok   {s['card']}: {s['kind']} card '{s['name']}' ({extra}) sha256 {s['digest'][:12]}")
    sys.exit(2 if bad else 0)


# --------------------------------------------------------------------------- background


def _bkg_table(p):
    from rich.table import Table

    t = Table(
        title=f"Heavy-flavour background, {p['mode']} mode, {p['lumi_ifb']:g} /fb, "
        f"pT(e) > {p['pt_e']:g} GeV, pT(mu) > {p['pt_mu']:g} GeV"
    )
    t.add_column("quantity")
    t.add_column("value", justify="right")
    for k in ("kappa_e", "kappa_mu", "kappa_emu"):
        t.add_row(k, f"{p[k]:.4g}")
    for name, b in zip(("B_I", "B_II", "B_III"), p["B"]):
        t.add_row(f"{name} (events)", f"{b:.5g}")
    t.add_row("options", f"mode={p['mode']}, counts={p['counts']}, upper limit={p['upper_limit']}")
    return t


@cli.command("background", short_help="Heavy-flavour background per signal region (kappa transfer factors)")
@click.option("--pt-e", default="20", callback=_quantity("energy"), show_default=True, help="electron threshold (GeV)")
@click.option("--pt-mu", default="20", callback=_quantity("energy"), show_default=True, help="muon threshold (GeV)")
@click.option("--lumi", default="140", callback=_quantity("lumi"), show_default=True, help="luminosity (/fb)")
@click.option(
    "--mode",
    type=click.Choice(["published", "formula"]),
    default="published",
    show_default=True,
    help="Tables 2-3 as printed, or Eq. (3.7) integrated",
)
@click.option(
    "--counts",
    default=None,
    help="reference counts N_i at 2.6 /fb (formula mode): table3 (3.2,0.5,0.019), eq3.4 (3.0,0.50,0.019) or "
    "N1,N2,N3 [default: table3]",
)
@click.option(
    "--upper-limit", default="70", show_default=True, help="Eq. (3.7) upper integration limit in GeV, or 'none'"
)
@click.option("--json", "as_json", is_flag=True, help="sorted JSON on stdout")
@_user_errors
def background_cmd(pt_e, pt_mu, lumi, mode, counts, upper_limit, as_json):
    """Heavy-flavour background B_i from the kappa transfer factors (Eqs. 3.7-3.9)."""
    if counts is not None and mode != "formula":
        raise LepreintError("--counts: the reference counts enter the formula mode only (--mode formula)")
    if mode != "formula":
        _refuse_unused(
            _given("upper_limit"), "Eq. (3.7)'s integration limit enters the formula mode only (--mode formula)"
        )
    counts = counts or "table3"
    n = {"table3": TABLE3_REFERENCE_COUNTS, "eq3.4": EQ34_COUNTS}.get(counts)
    n = tuple(_floats(counts, "--counts")) if n is None else n
    upper = (
        None if upper_limit.lower() in ("none", "inf") else units.to_internal(upper_limit, "energy", bare_numbers=True)
    )
    r = background(pt_e, pt_mu, lumi, mode, counts=n, upper_limit=upper)
    _emit(r.as_dict(), as_json, _bkg_table)


# --------------------------------------------------------------------------- limit


def _limit_table(p):
    from rich.table import Table

    t = Table(title=f"Exclusion statistic ({p['mode']})")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    t.add_row("Q (Eq. 3.2)", f"{p['Q']:.4g}")
    t.add_row("R95 = Q/5.99", f"{p['R95']:.4g}  ({'excluded' if p['R95'] > 1 else 'not excluded'} at 95% CL)")
    t.add_row("CLs mu_up (expected)", f"{p['cls_mu_up']:.4g}")
    if p.get("cls_mu_up_observed") is not None:
        t.add_row("CLs mu_up (observed)", f"{p['cls_mu_up_observed']:.4g}")
    t.add_row("CLs calculator", p.get("cls_calculator", "none"))
    return t


@cli.command("limit", short_help="R95 (Eqs. 3.2-3.3) and the CLs limit for yields of your own")
@click.option("--signal", required=True, help="S_1,S_2,... expected signal per region")
@click.option("--background", "bkg", required=True, help="B_1,B_2,... expected background per region")
@click.option("--observed", default=None, help="N_1,N_2,... observed counts (default: N = B, expected)")
@click.option("--rel-unc", default=None, help="relative background uncertainty per region for CLs (e.g. 0.2,0.3,0.35)")
@click.option("--no-cls", is_flag=True, help="skip the CLs computation")
@click.option(
    "--cls-calculator",
    type=click.Choice(["auto", "exact", "asymptotic"]),
    default="auto",
    show_default=True,
    help="CLs by enumerating every outcome of the counts (exact), pyhf's asymptotic formulae, or exact where the "
    "counts are small (auto)",
)
@click.option("--json", "as_json", is_flag=True, help="sorted JSON on stdout")
@_user_errors
def limit_cmd(signal, bkg, observed, rel_unc, no_cls, cls_calculator, as_json):
    """Q, R95 = Q/5.99 (Eqs. 3.2-3.3) and the CLs upper limit on the signal strength."""
    from lepreint.stats.limits import limit

    if no_cls:
        _refuse_unused(_given("cls_calculator", "rel_unc"), "for the CLs limit, which --no-cls skips")
    s, b = _floats(signal, "--signal"), _floats(bkg, "--background")
    n = None if observed is None else _floats(observed, "--observed")
    u = None if rel_unc is None else _floats(rel_unc, "--rel-unc")
    r = limit(s, b, n, rel_unc=u, cls=not no_cls, calculator=cls_calculator)
    _emit(r.as_dict(), as_json, _limit_table)


# --------------------------------------------------------------------------- xsec


@cli.command("xsec", short_help="Production cross section (fb): LHC SUSY WG tables or the paper's values")
@click.option(
    "--model",
    "process",
    default="wino-c1c1",
    show_default=True,
    help="process: wino-c1c1, wino-n2c1, higgsino-c1c1, higgsino-n1n2, higgsino-nc1",
)
@click.option("--mass", required=True, help="mass (GeV if bare, or '220 GeV')")
@click.option("--sqrt-s", default="13 TeV", show_default=True, help="collision energy with a unit, e.g. '13.6 TeV'")
@click.option("--source", type=click.Choice(["table", "paper"]), default="table", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="sorted JSON on stdout")
@_user_errors
def xsec_cmd(process, mass, sqrt_s, source, as_json):
    """Production cross section (fb) from the LHC SUSY WG tables or the paper's quoted values."""
    from lepreint.api import xsec

    r = xsec(process, mass, sqrt_s, source)

    def table(p):
        from rich.table import Table

        t = Table(title=f"{p['process']} at {p['sqrt_s']:g} TeV, m = {p['mass']:g} GeV")
        t.add_column("cross section (fb)", justify="right")
        t.add_column("uncertainty (fb)", justify="right")
        t.add_column("source")
        t.add_row(f"{p['xsec_fb']:.4g}", f"{p['unc_fb']:.3g}", f"{p['source']}: {p['reference']}")
        return t

    _emit(r.as_dict(), as_json, table)


# --------------------------------------------------------------------------- rendering helpers


def fmt_length(mm: float | None) -> str:
    """A length with the unit that reads best: 250 um, 3.16 mm, 4.2 cm, 1.5 m."""
    if mm is None or mm != mm:
        return "-"
    for scale, unit in ((1000.0, "m"), (10.0, "cm"), (1.0, "mm")):
        if abs(mm) >= scale:
            return f"{mm / scale:.3g} {unit}"
    return f"{mm * 1000:.3g} um"


def _verdict(r95: float) -> str:
    return "excluded" if r95 > 1 else "not excluded"


def _sample_table(p):
    from rich.table import Table

    t = Table(title=f"sample {p.get('sample_id') or p.get('sample')}" + (" (cache hit)" if p.get("cache_hit") else ""))
    t.add_column("quantity")
    t.add_column("value")
    units_of = {"mc": "GeV", "dm": "GeV", "mN": "GeV", "ctau": "mm"}
    rows = [
        ("sample id", p.get("sample_id")),
        ("folder / file", p.get("sample")),
        ("model", p.get("model")),
        (
            "parameters",
            ", ".join(f"{k} = {v:g} {units_of.get(k, '')}".strip() for k, v in (p.get("parameters") or {}).items())
            or None,
        ),
        ("events", p.get("events")),
        ("rows (events x decay copies)", p.get("rows")),
        ("decay copies K", p.get("oversampling")),
        (
            "cross section",
            f"{p['xsec_fb']:.4g} fb ({p.get('xsec_source')})" if p.get("xsec_fb") is not None else p.get("xsec_source"),
        ),
        ("filter efficiency", p.get("filter_efficiency")),
        ("seed", p.get("seed")),
        ("bad events skipped", p.get("bad_events") or None),
        ("HepMC3 output", p.get("hepmc")),
        ("notes", "; ".join(p.get("notes") or []) or None),
    ]
    for k, v in rows:
        if v is not None:
            t.add_row(k, str(v))
    for x in p.get("llp_summary") or []:
        ct = "not decayed" if x["mean_ctau_mm"] is None else f"mean c tau {fmt_length(x['mean_ctau_mm'])}"
        t.add_row(f"LLP {x['pdg_id']}", f"{x['count']} ({x['decayed']} decayed), {ct}")
    if p.get("leptons_by_flavour"):
        f = p["leptons_by_flavour"]
        t.add_row("leptons (pT > 2 GeV)", f"{f['e']} e, {f['mu']} mu")
    return t


# --------------------------------------------------------------------------- generate


def _options(pairs) -> dict:
    import yaml

    out = {}
    for item in pairs:
        if "=" not in item:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--option")
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = yaml.safe_load(v)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise click.BadParameter(f"{item!r}: the value is not YAML ({problem})", param_hint="--option") from None
    return out


GENERATE_OPTIONS = [
    click.option("--card", default=None, help="a model card (name or path): model, parameters and generation settings"),
    click.option(
        "--model",
        type=click.Choice(list(MODELS)),
        default=None,
        help="[default: coscattering]",
    ),
    click.option("--mc", default=None, help="mediator mass (GeV if bare, or '220 GeV'); higgsino: m(chi1+-)"),
    click.option("--dm", default=None, help="mass splitting (GeV if bare)"),
    click.option("--ctau", default=None, help="nominal c tau (mm if bare; '1cm' works)"),
    click.option(
        "--events",
        type=int,
        default=None,
        help="generated events (bbbar: events passing the lepton filter) [default: 1000]",
    ),
    click.option("--seed", type=int, default=None, help="[default: 1]"),
    click.option(
        "--workers", type=int, default=1, show_default=True, help="worker processes (results do not depend on it)"
    ),
    click.option("--oversampling", "-K", type=int, default=None, help="LLP decays per event (model default if unset)"),
    click.option("--matrix-element", type=click.Choice(["V-A", "flat"]), default=None, help="LLP decay matrix element"),
    click.option("--decays", type=click.Choice(["leptonic", "eq2.16"]), default=None, help="LLP branching ratios"),
    click.option(
        "--decayer",
        type=click.Choice(["lepreint", "pythia"]),
        default=None,
        help="who decays the LLPs ('pythia': flat SLHA decays, for validation)",
    ),
    click.option("--option", "extra", multiple=True, help="model option KEY=VALUE (repeatable), e.g. pthat_min=20"),
    click.option(
        "--param",
        "param_extra",
        multiple=True,
        help="model parameter KEY=VALUE (repeatable), e.g. --model hnl --param mN=10 --param U2=1e-6",
    ),
    click.option(
        "--xsec-source",
        type=click.Choice(["table", "paper", "pythia", "nnlo_nnll", "none"]),
        default=None,
        help="where the sample's cross section comes from ('none': give it to simulate with --xsec)",
    ),
    click.option("--mpi/--no-mpi", default=None, help="multiple interactions; --no-mpi is the fast mode [default: on]"),
    click.option("--pt-max-match", type=click.IntRange(0, 2), default=None, help="SpaceShower:pTmaxMatch [default: 0]"),
    click.option("--ecm", default=None, help="collision energy with a unit, e.g. '13.6 TeV' [default: 13 TeV]"),
    click.option("--chunk", type=int, default=None, help="events per worker chunk (part of the sample identity)"),
    click.option(
        "--hepmc",
        "hepmc_out",
        default=None,
        help="also write the events as HepMC3 to this file, with the cross section in every event",
    ),
    click.option(
        "--hepmc-copies",
        type=click.Choice(["all", "one"]),
        default="all",
        show_default=True,
        help="HepMC3 output: every decay copy (K events per generated event, weight w/K, as lepreint reads "
        "them back) or one copy per event (weight w, for other programs)",
    ),
    click.option("--force", is_flag=True, help="regenerate even if the sample is cached"),
    click.option("--json", "as_json", is_flag=True, help="sorted JSON on stdout"),
]


def _apply(options):
    def deco(f):
        for o in reversed(options):
            f = o(f)
        return f

    return deco


@cli.command("generate", short_help="Generate a sample with Pythia 8 into the cache")
@_apply(GENERATE_OPTIONS)
@_user_errors
def generate_cmd(
    card,
    model,
    mc,
    dm,
    ctau,
    events,
    seed,
    workers,
    oversampling,
    matrix_element,
    decays,
    decayer,
    extra,
    param_extra,
    xsec_source,
    mpi,
    pt_max_match,
    ecm,
    chunk,
    hepmc_out,
    hepmc_copies,
    force,
    as_json,
):
    """Generate a sample with Pythia 8 (lepreint decays the LLPs) into the cache; print its id and summary.

    Values come from the command line, else from --card, else the built-in defaults."""
    from lepreint.api import generate

    if hepmc_out is None:
        _refuse_unused(_given("hepmc_copies"), "how HepMC3 output is written; give --hepmc FILE")
    _kept(KEPT_CHUNKS)
    params = {k: v for k, v in (("mc", mc), ("dm", dm), ("ctau", ctau)) if v is not None}
    for item in param_extra:
        key, sep, val = item.partition("=")
        if not sep or not key.strip():
            raise LepreintError(f"--param {item!r}: expected KEY=NUMBER")
        if key.strip() in _GENERATE_KEYWORDS:  # a generation setting, not a model parameter
            raise LepreintError(f"--param {item!r}: {key.strip()} is not a model parameter; use --{key.strip()}")
        if key.strip() in params:
            raise LepreintError(f"--param {item!r}: {key.strip()} is given twice (--{key.strip()} or --param)")
        params[key.strip()] = val.strip()
    options = _options(extra)
    for key, val in (("matrix_element", matrix_element), ("decays", decays), ("decayer", decayer)):
        if val is not None:
            options[key] = val
    shower = {k: v for k, v in (("mpi", mpi), ("pt_max_match", pt_max_match), ("ecm", ecm)) if v is not None}
    r = generate(
        model,
        card=card,
        events=events,
        seed=seed,
        workers=workers,
        oversampling=oversampling,
        options=options,
        shower=shower,
        xsec_source=xsec_source,
        chunk=chunk,
        hepmc=hepmc_out,
        hepmc_copies=hepmc_copies,
        force=force,
        progress=_progress(as_json),
        **params,
    )
    p = {**r.summary, **r.to_dict()}
    p.pop("summary")
    p["sample"] = r.path
    p["shower"] = r.sample.meta.get("shower")
    if r.cache_hit and not as_json:
        click.echo(f"cache hit: {r.path}", err=True)
    _emit(p, as_json, _sample_table)


#: keywords of lepreint.generate that are not model parameters
_GENERATE_KEYWORDS = frozenset(
    {
        "model",
        "card",
        "events",
        "seed",
        "workers",
        "oversampling",
        "options",
        "shower",
        "xsec_source",
        "chunk",
        "hepmc",
        "hepmc_copies",
        "force",
        "progress",
    }
)


def _progress(as_json: bool) -> bool:
    """Progress (a bar on a terminal, plain lines in a log), except beside --json (stdout the JSON alone)."""
    return not as_json


# --------------------------------------------------------------------------- simulate, yields


#: above this many signal regions the yields are listed one region per row (a search's 30 regions do not fit
#: across a terminal)
WIDE_REGIONS = 5


def _yields_table(q, title: str, verbose: bool):
    """S, B and R95 per signal region with the verdict (and the network's projection, options with verbose); with
    the data (observed counts) R95 with them and the CLs limits, per channel too."""
    from rich.console import Group
    from rich.table import Table

    caption = "R95 > 1: excluded at 95% CL (Eq. 3.3, N = B)"
    if q.get("observed"):
        caption += "; with the data: CLs mu_up (observed) < 1"
    lumi = f"{q['luminosity_ifb']:g} /fb"
    o = q.get("observed")
    nn = q.get("S_nn") is not None
    if len(q["regions"]) > WIDE_REGIONS:
        cut = f"NN >= {q['nn_cut']:g}" if nn else ""
        columns = ["region", f"S (events, {lumi})", f"B (events, {lumi})", *(["N"] if o else []), "R95"]
        columns += [f"S ({cut})", f"B ({cut})"] if nn else []
        columns += ["efficiency"] if verbose else []
        regions = Table(title=title)
        for name in columns:
            regions.add_column(name, justify="left" if name == "region" else "right")
        for i, name in enumerate(q["regions"]):
            cells = [name, f"{q['S'][i]:.4g} ± {q['S_err'][i]:.2g}", f"{q['B'][i]:.4g}"]
            cells += ([str(o["N"][i])] if o else []) + [f"{q['R95_by_region'][i]:.3g}"]
            cells += [f"{q['S_nn'][i]:.4g} ± {q['S_nn_err'][i]:.2g}", f"{q['B_nn'][i]:.4g}"] if nn else []
            cells += [f"{q['efficiency'][i]:.3g}"] if verbose else []
            regions.add_row(*cells)
        total = ["all", f"{sum(q['S']):.4g}", f"{sum(q['B']):.4g}", *([str(sum(o["N"]))] if o else []), ""]
        total += [f"{sum(q['S_nn']):.4g}", f"{sum(q['B_nn']):.4g}"] if nn else []
        regions.add_row(*total, *([""] if verbose else []))
        t = Table(caption=caption, show_header=False)
        t.add_column("")
        t.add_column("", justify="right")
        t.add_row("R95 (N = B)", f"{q['R95']:.3g}: {_verdict(q['R95'])}")
        if nn:
            t.add_row(f"R95 ({cut})", f"{q['R95_nn']:.3g}: {_verdict(q['R95_nn'])}")
            t.add_row(
                f"R95 ({cut}) at 2.6 / 140 / 300 /fb", " / ".join(f"{v:.3g}" for v in q["R95_nn_by_lumi"].values())
            )
        if o:
            _observed_rows(t, o, 0)
        if verbose:
            for k, v in q["cutflow"].items():
                t.add_row(f"cutflow: {k} (events)", f"{v:.4g}")
            for k, v in sorted(q["options"].items()):
                t.add_row(f"option: {k}", str(v))
            return Group(regions, t)
        return Group(regions, t, _options_line(q))
    t = Table(title=title, caption=caption)
    t.add_column("")
    for name in q["regions"]:
        t.add_column(name, justify="right")
    t.add_column("combined", justify="right")
    t.add_row(f"S (events, {lumi})", *(f"{x:.4g} ± {e:.2g}" for x, e in zip(q["S"], q["S_err"])), f"{sum(q['S']):.4g}")
    t.add_row(f"B (events, {lumi})", *(f"{b:.4g}" for b in q["B"]), f"{sum(q['B']):.4g}")
    t.add_row("R95", *(f"{x:.3g}" for x in q["R95_by_region"]), f"{q['R95']:.3g}: {_verdict(q['R95'])}")
    if o:
        t.add_row("N (observed)", *(str(n) for n in o["N"]), str(sum(o["N"])))
        _observed_rows(t, o, len(q["regions"]))
    if nn:
        cut = f"NN >= {q['nn_cut']:g}"
        t.add_row(
            f"S ({cut}, events)",
            *(f"{x:.4g} ± {e:.2g}" for x, e in zip(q["S_nn"], q["S_nn_err"])),
            f"{sum(q['S_nn']):.4g}",
        )
        t.add_row(
            f"B ({cut}, events)",
            *(f"{x:.4g} ± {e:.2g}" for x, e in zip(q["B_nn"], q["B_nn_err"])),
            f"{sum(q['B_nn']):.4g}",
        )
        t.add_row(f"R95 ({cut})", *[""] * len(q["regions"]), f"{q['R95_nn']:.3g}: {_verdict(q['R95_nn'])}")
        t.add_row(
            f"R95 ({cut}) at 2.6 / 140 / 300 /fb",
            *[""] * len(q["regions"]),
            " / ".join(f"{v:.3g}" for v in q["R95_nn_by_lumi"].values()),
        )
    if verbose:
        pad = [""] * len(q["regions"])
        t.add_row("efficiency", *(f"{x:.3g}" for x in q["efficiency"]), "")
        for k, v in q["cutflow"].items():
            t.add_row(f"cutflow: {k} (events)", *pad, f"{v:.4g}")
        for k, v in sorted(q["options"].items()):
            t.add_row(f"option: {k}", *pad, str(v))
        return t
    return Group(t, _options_line(q))


def _options_line(q):
    """The physics choices of a yields table in one line (every option, with the cards' digests, with -v)."""
    from rich.text import Text

    opts = {k: v for k, v in sorted(q.get("options", {}).items()) if not k.endswith("_digest") and k != "xsec_source"}
    return Text("options: " + ", ".join(f"{k}={_word(v)}" for k, v in opts.items()) + " (all, with digests: -v)")


def _cls_text(c: dict) -> str:
    if c["cls_mu_up_observed"] is None:
        return f"not computed: {c.get('error', 'no observed counts')}"
    band = ", ".join(f"{x:.3g}" for x in c["cls_mu_up_band"])
    verdict = "excluded" if c["excluded"] else "not excluded"
    return f"{c['cls_mu_up_observed']:.3g} / {c['cls_mu_up_expected']:.3g} [{band}]: {verdict} ({c['cls_calculator']})"


def _observed_rows(t, o: dict, n_regions: int) -> None:
    """R95 with the observed counts and the CLs limits (observed / expected [band]), per channel too."""
    pad = [""] * n_regions
    t.add_row("R95 (N observed)", *pad, f"{o['R95']:.3g}")
    t.add_row("CLs mu_up: observed / expected [-2, -1, +1, +2 sigma]", *pad, _cls_text(o))
    for ch, c in o.get("by_channel", {}).items():
        t.add_row(f"CLs mu_up, {ch} alone", *pad, _cls_text(c))
    if "likelihood_mu_up_observed" in o:
        v = o["likelihood_mu_up_observed"]
        text = f"{v:.3g}" if v is not None else f"not computed: {o.get('likelihood_error', '')}"
        t.add_row("mu_up, the published likelihood (observed)", *pad, text)


def _title(q) -> str:
    return (
        f"{q['analysis']}: {q['luminosity_ifb']:g} /fb, sigma = {q['xsec_fb']:.4g} fb "
        f"({str(q['xsec_source']).split(':')[0]})"
    )


@cli.command("simulate", short_help="Detector, selection, S, B and R95 per region for a sample or a HepMC3 file")
@click.argument("sample")
@_hepmc_options
@click.option("--analysis", default="soft_displaced_emu", show_default=True, help="analysis card (name or path)")
@click.option(
    "--detector", default=None, help="detector card (name or path) [default: the analysis card's, else cms_run2]"
)
@click.option(
    "--d0-extrapolation",
    type=click.Choice(["linear_trend", "linear_to_zero", "flat", "zero", "polynomial"]),
    default=None,
    help="d0 efficiency beyond 2 cm [default: the detector card's]",
)
@click.option(
    "--xsec-source",
    type=click.Choice(["table", "paper", "pythia", "nnlo_nnll"]),
    default=None,
    help="recompute the cross section for the sample's model point [default: the sample's own]",
)
@click.option(
    "--xsec",
    "xsec_value",
    default=None,
    help="cross section (fb if bare; '1.2 pb' works); needed for a HepMC file that carries none",
)
@click.option("--lumi", default=None, help="luminosity (/fb if bare; '300 /fb') [default: the analysis card's]")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the detector smearing")
@click.option("--classifier", is_flag=True, help="apply the network: S, B and R95 after NN >= --nn-cut")
@click.option("--model", "model_path", default=None, help="model.json (or its folder) [default: the shipped network]")
@click.option("--nn-cut", type=float, default=0.9, show_default=True, help="NN >= cut (0.50, 0.51, ..., 0.99)")
@click.option("--verbose", "-v", is_flag=True, help="also the efficiencies, the cutflow and every option")
@click.option("--json", "as_json", is_flag=True, help="sorted JSON on stdout")
@_user_errors
def simulate_cmd(
    sample,
    llp_ids,
    displaced,
    skip_bad_events,
    invisible,
    weight,
    analysis,
    detector,
    d0_extrapolation,
    xsec_source,
    xsec_value,
    lumi,
    seed,
    classifier,
    model_path,
    nn_cut,
    verbose,
    as_json,
):
    """Detector, selection and yields for a sample (folder or id) or a HepMC3 file: S, B and R95 per signal
    region, and whether the point is excluded.

    A HepMC3 file is read once and cached (keyed by its content): a second run costs a parquet read."""
    from lepreint.api import simulate

    if not classifier and model_path is None:
        _refuse_unused(_given("nn_cut"), "the network's cut applies with --classifier")
    r = simulate(
        sample,
        analysis=analysis,
        detector=detector,
        d0_extrapolation=d0_extrapolation,
        xsec_source=xsec_source,
        xsec=xsec_value,
        lumi=lumi,
        seed=seed,
        classifier=classifier,
        model=model_path,
        nn_cut=nn_cut,
        llp_ids=llp_ids,
        displaced=displaced,
        skip_bad_events=skip_bad_events,
        invisible=invisible,
        weight=weight,
    )
    if r.read.get("cache_hit") and not as_json:
        click.echo(f"HepMC3 file read from the cache ({r.read['cached_as']})", err=True)
    if not as_json:
        for line in r.read.get("notes") or []:
            click.echo(f"note: {line}", err=True)
    p = r.to_dict()
    _emit(p, as_json, lambda q: _yields_table(q, _title(q), verbose))


@cli.command("yields", short_help="Yields of one of the paper's Table 1 benchmarks")
@click.option("--benchmark", "bid", type=int, required=True, help="a benchmark of the paper's Table 1 (1-7)")
@click.option("--events", type=int, default=10_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--workers", type=int, default=1, show_default=True)
@click.option("--oversampling", "-K", type=int, default=None)
@click.option("--no-mpi", is_flag=True, help="fast mode: no multiple interactions")
@click.option("--analysis", default="soft_displaced_emu", show_default=True)
@click.option(
    "--detector", default=None, help="detector card (name or path) [default: the analysis card's, else cms_run2]"
)
@click.option(
    "--d0-extrapolation",
    type=click.Choice(["linear_trend", "linear_to_zero", "flat", "zero", "polynomial"]),
    default=None,
)
@click.option(
    "--xsec-source", type=click.Choice(["table", "paper", "pythia", "nnlo_nnll"]), default="table", show_default=True
)
@click.option(
    "--br-reading",
    type=click.Choice(["emu_fraction", "lepton_pairs"]),
    default="emu_fraction",
    show_default=True,
    help="Table 1's B(l+l-) of benchmarks 1-2: the e-mu fraction 2 B_e B_mu, or (B_e + B_mu)^2",
)
@click.option("--verbose", "-v", is_flag=True, help="also the efficiencies, the cutflow and every option")
@click.option("--json", "as_json", is_flag=True, help="sorted JSON on stdout")
@_user_errors
def yields_cmd(
    bid,
    events,
    seed,
    workers,
    oversampling,
    no_mpi,
    analysis,
    detector,
    d0_extrapolation,
    xsec_source,
    br_reading,
    verbose,
    as_json,
):
    """Generate (or reuse from the cache) a Table 1 benchmark and compute its yields per signal region."""
    from lepreint.api import yields

    _kept(KEPT_CHUNKS)
    r = yields(
        bid,
        events=events,
        seed=seed,
        workers=workers,
        oversampling=oversampling,
        mpi=not no_mpi,
        analysis=analysis,
        detector=detector,
        d0_extrapolation=d0_extrapolation,
        xsec_source=xsec_source,
        br_reading=br_reading,
        progress=_progress(as_json),
    )
    p = r.to_dict()
    _emit(p, as_json, lambda q: _yields_table(q, f"benchmark {bid}: " + _title(q), verbose))


@cli.command("inspect", short_help="Summarise a sample or a HepMC3 file (LLPs, their c tau, leptons, cross section)")
@click.argument("path")
@_hepmc_options
@click.option("--json", "as_json", is_flag=True, help="sorted JSON on stdout")
@_user_errors
def inspect_cmd(path, llp_ids, displaced, skip_bad_events, invisible, weight, as_json):
    """Summarise a sample (its folder, events.parquet or id) or a HepMC3 file (.hepmc3, .hepmc, .gz): events, LLPs
    per PDG id with their mean proper decay length, leptons per flavour, the cross section and its source."""
    from lepreint.api import inspect

    r = inspect(
        path, llp_ids=llp_ids, displaced=displaced, skip_bad_events=skip_bad_events, invisible=invisible, weight=weight
    )
    p = {**r.summary, **r.to_dict(), **r.read}
    p.pop("summary")
    p.pop("read")
    _emit(p, as_json, _sample_table)


@cli.command("train", short_help="Retrain the paper's network (Sec. 4.2; needs the 'train' extra)")
@click.option("--seed", type=int, default=1, show_default=True, help="seeds the split, the draws and Keras")
@click.option("--epochs", type=int, default=80, show_default=True)
@click.option(
    "--background-weights",
    type=click.Choice(["use", "ignore"]),
    default="use",
    show_default=True,
    help="train with the heavy-flavour sample's pT-hat bias weights, or without",
)
@click.option("--output", default="lepreint_model", show_default=True, help="folder for model.keras and model.json")
@click.option("--workers", type=int, default=2, show_default=True, help="for generating the training samples")
@click.option("--json", "as_json", is_flag=True, help="sorted JSON on stdout")
@_user_errors
def train_cmd(seed, epochs, background_weights, output, workers, as_json):
    """Train the network of Sec. 4.2 on benchmark 1 against heavy flavour (the shipped model is --seed 1)."""
    from lepreint.api import train

    r = train(seed=seed, epochs=epochs, background_weights=background_weights, output=output, workers=workers)
    p = {**r.to_dict(), **r.metrics}

    def table(q):
        from rich.table import Table

        t = Table(title=f"network trained into {q['output']}")
        t.add_column("quantity")
        t.add_column("value", justify="right")
        for k in ("auc_test", "auc_train", "ks_p_signal_train_vs_test", "ks_p_background_train_vs_test"):
            t.add_row(k, f"{q[k]:.4f}")
        t.add_row("same as the shipped model", str(q["same_as_shipped"]))
        return t

    _emit(p, as_json, table)


# --------------------------------------------------------------------------- scan


def _word(v) -> str:
    """An option's value in a line of options: floats to 4 digits, tables and lists without quotes."""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_word(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_word(x) for x in v) + "]"
    return str(v)


def _settings_line(settings: dict) -> str:
    """A scan's physics choices in one line under its table (``ScanResult.settings``)."""
    opts = ", ".join(f"{k}={_word(v)}" for k, v in sorted(settings.get("options", {}).items()))
    rest = ", ".join(f"{k}={_word(v)}" for k, v in settings.items() if k != "options")
    return f"{rest}; model options: {opts or 'none'}"


#: scan options a scan card replaces (``--card``): given with it, they would be dropped
CARD_SCAN_OPTIONS = (
    "model", "mc", "dm", "ctau", "u2", "mixing", "dirac", "lumi", "events", "seed", "analysis", "detector",
    "xsec_source", "no_classifier", "nn_cut", "draws", "statistic", "no_mpi",
)  # fmt: skip


@cli.command("scan", short_help="Scan a model's parameter plane: R95 per point and luminosity")
@click.option(
    "--model",
    type=click.Choice(list(MODELS)),
    default="coscattering",
    show_default=True,
    help="coscattering: (m_c, dm, c tau); higgsino: (m(chi1+-), dm+-), lifetimes from "
    "dm; hnl: (m_N via --mc, |U|^2 via --u2), c tau from both; stop: (m(stop) via --mc, c tau); slepton: "
    "(m via --mc, c tau; --option flavour=e|mu|tau|co_nlsp)",
)
@click.option("--mc", default="220", show_default=True, help="GeV: 150:600:50, 200,220 or one value (hnl: m_N)")
@click.option("--dm", default=None, help="GeV: list or start:stop:step  [default: 20 where the model has a dm axis]")
@click.option(
    "--ctau",
    default=None,
    help="lengths: 0.1mm:10m:log30 or a list (coscattering, stop, slepton)  [default: 0.3mm:3m:log30]",
)
@click.option("--u2", default=None, help="hnl: |U|^2 axis, e.g. 1e-8:1e-4:log9 or 1e-7,1e-6")
@click.option(
    "--card",
    default=None,
    help="a scan card (name or path, e.g. coscattering_grid): its grid and options replace the grid options above",
)
@click.option("--mixing", default=None, help="hnl: flavour fractions of |U|^2, e.g. mu or e:1,mu:1 (default mu)")
@click.option("--dirac", is_flag=True, help="hnl: a Dirac N (default Majorana)")
@click.option(
    "--lumi",
    default="140",
    show_default=True,
    help="integrated luminosity, comma-separated (R95 for each): /fb if bare, '140 /fb' and '0.3 /ab' work",
)
@click.option("--events", type=int, default=20_000, show_default=True, help="Pythia events per (m_c, dm)")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--workers", type=int, default=2, show_default=True)
@click.option(
    "--analysis", default="soft_displaced_emu", show_default=True, help="analysis card (card@background chooses one)"
)
@click.option(
    "--detector", default=None, help="detector card (name or path) [default: the analysis card's, else cms_run2]"
)
@click.option(
    "--option", "extra", multiple=True, help="model option KEY=VALUE (repeatable), e.g. flavour=mu for sleptons"
)
@click.option("--xsec-source", type=click.Choice(["table", "paper", "nnlo_nnll"]), default="table", show_default=True)
@click.option("--no-classifier", is_flag=True, help="cut-based: no network")
@click.option("--nn-cut", type=float, default=0.9, show_default=True)
@click.option("--draws", type=int, default=5, show_default=True, help="decay-length draws per event and c tau")
@click.option(
    "--statistic",
    type=click.Choice(["expected", "observed"]),
    default="expected",
    show_default=True,
    help="N_i in Eq. (3.2): the background (expected) or the analysis card's observed counts",
)
@click.option("--no-mpi", is_flag=True, help="fast mode: no multiple interactions")
@click.option("--output", default="scan", show_default=True, help="folder: points/, scan.csv, scan.parquet")
@click.option("--overwrite", is_flag=True, help="replace a scan with other options in --output (default: refuse)")
@click.option("--scheduler", default=None, help="a Dask scheduler, tcp://HOST:PORT (one task per (m_c, dm))")
@click.option("--dask-local", type=int, default=None, help="start a local Dask cluster of N worker processes")
@click.option("--json", "as_json", is_flag=True, help="sorted JSON summary on stdout")
@_user_errors
def scan_cmd(
    model,
    mc,
    dm,
    ctau,
    u2,
    card,
    mixing,
    dirac,
    lumi,
    events,
    seed,
    workers,
    analysis,
    detector,
    extra,
    xsec_source,
    no_classifier,
    nn_cut,
    draws,
    statistic,
    no_mpi,
    output,
    overwrite,
    scheduler,
    dask_local,
    as_json,
):
    """Scan a model's parameters: one generation per group ((m_c, dm), or m_N) from the cache, c tau (and |U|^2)
    by moving decay vertices.  R95 > 1 at a point: excluded at 95% CL."""
    from lepreint.api import scan

    if card is not None:  # the card holds the grid and the physics: the same options beside it would be dropped
        ctx = click.get_current_context()
        beside = [
            f"--{name.replace('_', '-')}"
            for name in CARD_SCAN_OPTIONS
            if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
        ]
        if beside:
            fail(f"--card: the scan card sets the grid and the physics; {', '.join(beside)} beside it would be ignored")

    _kept(
        f"finished points are kept in {output}/points and the finished chunks of a running generation in the "
        "cache: rerun the same command to resume"
    )
    r = scan(
        model=model,
        mc=mc,
        dm=dm,
        ctau=ctau,
        u2=u2,
        card=card,
        mixing=mixing,
        dirac=dirac,
        lumi=lumi,
        events=events,
        seed=seed,
        workers=workers,
        analysis=analysis,
        detector=detector,
        options=_options(extra),
        xsec_source=xsec_source,
        classifier=not no_classifier,
        nn_cut=nn_cut,
        draws=draws,
        statistic=statistic,
        mpi=not no_mpi,
        output=output,
        overwrite=overwrite,
        scheduler=scheduler,
        dask_local=dask_local,
        progress=_progress(as_json),
        log=lambda line: click.echo(line, err=True),
    )
    payload = r.to_dict()
    payload.pop("rows")

    def table(q):
        from rich.table import Table

        hnl = r.model == "hnl"
        no_dm = not hnl and all(row.get("dm") is None for row in r.rows)  # a model without a dm axis
        t = Table(
            title=f"scan into {q['output']} ({q['ok']} of {q['points']} points)",
            caption=f"R95 > 1: excluded at 95% CL; table: {q['table']}",
        )
        t.add_column("m_N (GeV)" if hnl else ("mass (GeV)" if no_dm else "m_c (GeV)"), justify="right")
        if not no_dm:
            t.add_column("|U|^2" if hnl else "dm (GeV)", justify="right")
        t.add_column("c tau", justify="right")
        for x in r.lumis:
            t.add_column(f"R95 @ {x:g} /fb", justify="right")
        for row in r.rows:
            second = [] if no_dm else [f"{row.get('U2', 0):.2g}" if hnl else f"{row['dm']:g}"]
            if row["status"] == "ok":
                cells = [f"{row[f'R95@{x:g}']:.3g} ({'excluded' if row[f'R95@{x:g}'] > 1 else 'not'})" for x in r.lumis]
            else:
                cells = [row["reason"][:40]] + [""] * (len(r.lumis) - 1)
            t.add_row(f"{row['mc']:g}", *second, fmt_length(row.get("ctau_mm")), *cells)
        from rich.console import Group
        from rich.text import Text

        return Group(t, Text(_settings_line(q["settings"])))

    _emit(payload, as_json, table)
    if r.points and not r.ok:  # nothing computed: the table names each point's reason, the exit status says so
        fail(f"every point of the scan failed (first: {r.failures[0] if r.failures else 'no reason recorded'})")


@cli.command("demo", short_help="The main job: is (m_c, dm) = (220, 20) GeV excluded, and for which c tau?")
@click.option("--analytic", is_flag=True, help="R95 for the paper's own Table 4 yields (no events)")
@click.option("--events", type=int, default=20_000, show_default=True, help="Pythia events")
@click.option("--no-mpi", is_flag=True, help="fast mode: no multiple interactions")
@click.option("--workers", type=int, default=2, show_default=True)
@click.option("--output", default="demo_output", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="sorted JSON on stdout")
@_user_errors
def demo_cmd(analytic, events, no_mpi, workers, output, as_json):
    """The main job: R95 versus c tau for (m_c, dm) = (220, 20) GeV at 140 and 300 /fb, with the shipped
    network, from events generated here (a table and a plot in --output)."""
    from lepreint.results.demo import demo, main_job

    if analytic:
        _refuse_unused(
            _given("events", "no_mpi", "workers", "output"), "--analytic generates no events and writes no files"
        )
    _kept(KEPT_CHUNKS)

    if not analytic:
        result = main_job(output, events, not no_mpi, workers, progress=_progress(as_json))

        def table(p):
            from rich.table import Table

            t = Table(
                title=f"{p['point']}: R95 (NN >= {p['nn_cut']:g}, sigma = {p['xsec_fb']:.4g} fb, table); "
                "R95 > 1 = excluded at 95% CL"
            )
            t.add_column("c tau", justify="right")
            for lumi in p["excluded"]:
                t.add_column(f"R95 @ {lumi} /fb", justify="right")
            for r in p["rows"]:
                t.add_row(fmt_length(r["ctau_mm"]), *(f"{r[f'R95@{lumi}']:.3g}" for lumi in p["excluded"]))

            def rng(e):
                if e["R95_max"] <= 1:
                    return "nothing"
                lo = fmt_length(e["ctau_min_mm"]) if e["ctau_min_mm"] is not None else "< scan"
                hi = fmt_length(e["ctau_max_mm"]) if e["ctau_max_mm"] is not None else "> scan"
                return f"{lo} - {hi}"

            t.add_row("excluded c tau", *(rng(e) for e in p["excluded"].values()))
            t.caption = f"table: {p['output']}/scan.csv, plot: {p['output']}/r95_vs_ctau.png"
            return t

        _emit(result, as_json, table)
        return
    result = demo()

    def table(p):
        from rich.table import Table

        t = Table(
            title="R95 for the paper's Table 4 yields (no NN cut), background "
            f"{p['background_mode']} mode; R95 > 1 = excluded at 95% CL"
        )
        t.add_column("benchmark")
        t.add_column("(m_c, dm, c tau)")
        for lumi in p["luminosities"]:
            t.add_column(f"R95 @ {lumi:g} /fb", justify="right")
        for row in p["rows"]:
            t.add_row(str(row["benchmark"]), row["point"], *(f"{x:.3g}" for x in row["R95"]))
        t.add_row("HF B_i", "", *(", ".join(f"{b:.4g}" for b in bb) for bb in p["background"]))
        return t

    _emit(result, as_json, table)


def main():  # console-script entry point
    """Run the CLI with one failure format: usage errors, bad input and OSErrors on user paths give one line
    ``lepreint: error: ...`` and exit 2; Ctrl-C gives one line saying what was kept and exit 130; an unexpected
    exception keeps its traceback (it is a bug)."""
    try:
        code = cli.main(prog_name="lepreint", standalone_mode=False)
    except (_Interrupted, click.exceptions.Abort, KeyboardInterrupt):  # Ctrl-C
        click.echo(f"lepreint: interrupted: {_ON_INTERRUPT['kept']}", err=True)
        sys.exit(130)
    except getattr(click.exceptions, "NoArgsIsHelpError", ()) as exc:  # bare `lepreint`: the help
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(0)
    except click.ClickException as exc:
        hint = ""
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            hint = f" (see '{ctx.command_path} --help')"
        fail(exc.format_message() + hint)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
