"""YAML cards: load, validate against the versioned JSON Schemas in ``schemas/v1``, then check semantics.

Every card has ``version:`` and ``kind:``.  A bad card raises :class:`InvalidCard`, whose
message is one line: ``<card file>: <field path>: <what was expected>``.  The CLI turns
it into that line on stderr and exit code 2.

Dimensionful fields are strings with units (``"1 cm"``, ``"140 /fb"``, ``"20 GeV"``);
the schemas mark them with the keyword ``quantity`` and this module checks that they parse
and have the right dimension.  Typed views (:class:`AnalysisConfig`, ...) hold internal units
(GeV, mm, fb, fb^-1).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import os
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lepreint import units
from lepreint.errors import LepreintError
from lepreint.models import MODELS
from lepreint.stats.heavy_flavour import REFERENCE_LUMI, TABLE3_REFERENCE_COUNTS

__all__ = [
    "InvalidCard",
    "Card",
    "load_card",
    "find_card",
    "card_digest",
    "AnalysisConfig",
    "Region",
    "LeptonCuts",
    "BackgroundConfig",
    "Benchmark",
    "analysis_config",
    "detector_for",
    "DEFAULT_DETECTOR",
    "benchmarks",
    "KINDS",
]

SCHEMA_VERSION = "v1"
KINDS = ("analysis", "model", "benchmarks", "detector", "scan", "combination")
_KIND_DIRS = {
    "analysis": "analyses",
    "combination": "analyses",  # a search made of analysis cards: named wherever an analysis is
    "model": "models",
    "benchmarks": "benchmarks",
    "detector": "detector",
    "scan": "scans",
}
#: the cards that ship with lepreint (inside the package, so that an installed lepreint finds them; the
#: repository's top-level ``cards/`` is a link to this folder)
BUILTIN_CARDS = Path(__file__).resolve().parent.parent / "data" / "cards"


class InvalidCard(LepreintError):
    """A card that cannot be used.  ``str()`` is the one-line message shown to the user."""

    def __init__(self, card: str | os.PathLike, field: str, message: str):
        self.card = str(card)
        self.field = field
        self.message = message
        super().__init__(f"{self.card}: {field or '(top level)'}: {message}")


@dataclasses.dataclass(frozen=True)
class Card:
    path: str
    kind: str
    data: dict
    digest: str  #: sha256 of the canonical JSON of the card's content


def card_digest(data: Any) -> str:
    """sha256 of canonical JSON (sorted keys, no whitespace): pyhf's ``utils.digest`` convention."""
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()


# --------------------------------------------------------------------------- schema validation


@functools.cache
def _schema(name: str) -> dict:
    text = resources.files("lepreint").joinpath(f"schemas/{SCHEMA_VERSION}/{name}.json").read_text()
    return json.loads(text)


@functools.cache
def _validator(kind: str):
    import jsonschema
    from referencing import Registry, Resource

    def quantity(validator, dim, instance, schema):
        if not isinstance(instance, str):
            return  # the schema's "type" reports it
        try:
            units.to_internal(instance, dim)
        except units.UnitError as exc:
            yield jsonschema.ValidationError(str(exc))

    registry = Registry().with_resources(
        (f"lepreint:{SCHEMA_VERSION}/{n}.json", Resource.from_contents(_schema(n))) for n in ("common", *KINDS)
    )
    base = jsonschema.Draft202012Validator
    cls = jsonschema.validators.extend(base, {"quantity": quantity})
    return cls(_schema(kind), registry=registry)


def _path(parts: Iterable) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _describe_error(err) -> tuple[str, str]:
    """(field path, expectation) for a jsonschema error, in words a physicist reads at once."""
    path = _path(err.absolute_path)
    v, val, inst = err.validator, err.validator_value, err.instance
    if v == "required":
        missing = [r for r in val if isinstance(inst, dict) and r not in inst]
        field = missing[0] if missing else "?"
        return (f"{path}.{field}" if path else field), "missing required field"
    if v == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(set(inst) - set(allowed)) if isinstance(inst, dict) else []
        field = extra[0] if extra else "?"
        return (f"{path}.{field}" if path else field), f"unknown field (allowed here: {', '.join(allowed)})"
    if v == "type":
        return path, f"expected {val}, got {inst!r}"
    if v == "quantity":
        return path, err.message
    if v == "enum":
        return path, f"expected one of {', '.join(map(str, val))}; got {inst!r}"
    if v == "const":
        return path, f"expected {val!r}, got {inst!r}"
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        op = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[v]
        return path, f"expected a number {op} {val}, got {inst!r}"
    if v == "minItems":
        return path, f"expected at least {val} entries"
    if v == "minLength":
        return path, "expected a non-empty string"
    if v == "oneOf":
        descr = err.schema.get("description", "a valid value")
        return path, f"expected {descr}; got {inst!r}"
    return path, err.message


# --------------------------------------------------------------------------- loading


def _read_yaml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidCard(path, "", "file not found") from None
    except IsADirectoryError:
        raise InvalidCard(path, "", "is a folder, not a card") from None
    except UnicodeDecodeError as exc:
        raise InvalidCard(path, "", f"not a text (UTF-8) file: byte {exc.start} cannot be read") from None
    except OSError as exc:
        raise InvalidCard(path, "", f"cannot read file ({exc.strerror})") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        raise InvalidCard(path, "", f"not valid YAML at {where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise InvalidCard(path, "", "expected a mapping of fields (version:, kind:, ...)")
    bad = _non_finite(data)
    if bad is not None:
        raise InvalidCard(path, bad, "not a finite number (.nan and .inf are no card values)")
    return data


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader that refuses a key given twice in one mapping (plain YAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # '<<: *anchor': merged keys may be overridden
                continue
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _non_finite(data, where: str = "") -> str | None:
    """The first field (dotted path) holding a NaN or infinite number, None if there is none."""
    if isinstance(data, float) and not math.isfinite(data):
        return where or "(top)"
    if isinstance(data, dict):
        items = ((f"{where}.{k}" if where else str(k), v) for k, v in data.items())
    elif isinstance(data, list):
        items = ((f"{where}[{i}]", v) for i, v in enumerate(data))
    else:
        return None
    for w, v in items:
        hit = _non_finite(v, w)
        if hit is not None:
            return hit
    return None


def _named(name: Path, kind: str) -> bool:
    """Whether a card of this kind is called ``name`` (in ``$LEPREINT_CARDS`` or among the shipped ones)."""
    roots = [Path(os.environ["LEPREINT_CARDS"])] if os.environ.get("LEPREINT_CARDS") else []
    return any((r / _KIND_DIRS[kind] / f"{name}.yaml").exists() for r in [*roots, BUILTIN_CARDS])


def find_card(name: str | os.PathLike, kind: str) -> Path:
    """Resolve a card given as a path or as a bare name (``soft_displaced_emu``).

    Bare names are looked up in ``$LEPREINT_CARDS/<kind dir>/`` and then among the cards that ship with
    lepreint (``BUILTIN_CARDS``: ``analyses/``, ``detector/``, ``models/``, ``scans/``, ``benchmarks/``).
    """
    p = Path(name)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    roots = []
    if os.environ.get("LEPREINT_CARDS"):
        own = Path(os.environ["LEPREINT_CARDS"])
        if not own.is_dir():  # a mistyped folder would silently fall back to the shipped cards of the same name
            raise LepreintError(f"$LEPREINT_CARDS={own}: no such folder")
        roots.append(own)
    roots.append(BUILTIN_CARDS)
    dirs = _KIND_DIRS[kind] if isinstance(_KIND_DIRS[kind], tuple) else (_KIND_DIRS[kind],)
    for root in roots:
        for d in dirs:
            cand = root / d / f"{name}.yaml"
            if cand.exists():
                return cand.resolve()
    known = sorted(
        q.stem
        for root in roots
        for d in dirs
        if (root / d).is_dir()
        for q in (root / d).glob("*.yaml")
        if kind != "scan" or "kind: scan" in q.read_text()
    )
    raise InvalidCard(name, "", f"no {kind} card of that name (known: {', '.join(known) or 'none'})")


def load_card(path: str | os.PathLike, kind: str | None = None) -> Card:
    """Load and fully validate a card: a path, or the bare name of a shipped or ``$LEPREINT_CARDS`` card
    (``soft_displaced_emu``), as on the command line.  ``kind`` (optional) is the kind the caller needs."""
    path = Path(path)
    if not path.exists() and path.suffix not in (".yaml", ".yml") and path.name == str(path):
        for k in (kind,) if kind else KINDS:
            found = find_card(path, k) if _named(path, k) else None
            if found is not None:
                path = found
                break
    data = _read_yaml(path)
    if "version" not in data:
        raise InvalidCard(path, "version", "missing required field (this lepreint reads version: 1)")
    if data["version"] != 1:
        raise InvalidCard(path, "version", f"expected 1 (the card schema this lepreint reads), got {data['version']!r}")
    card_kind = data.get("kind")
    if card_kind not in KINDS:
        raise InvalidCard(path, "kind", f"expected one of {', '.join(KINDS)}; got {card_kind!r}")
    if kind is not None and card_kind != kind:
        raise InvalidCard(path, "kind", f"expected a {kind} card here, got a {card_kind} card")
    import jsonschema

    validator = _validator(card_kind)
    errors = list(validator.iter_errors(data))
    if errors:
        err = jsonschema.exceptions.best_match(errors)
        field, message = _describe_error(err)
        raise InvalidCard(path, field, message)
    for check in _SEMANTIC[card_kind]:
        check(path, data)
    return Card(path=str(path), kind=card_kind, data=data, digest=card_digest(data))


# --------------------------------------------------------------------------- semantic checks

_SEMANTIC: dict[str, list[Callable[[Path, dict], None]]] = {k: [] for k in KINDS}


def _semantic(*kinds: str):
    def deco(fn):
        for k in kinds:
            _SEMANTIC[k].append(fn)
        return fn

    return deco


def _q(data: dict, key: str, dim: str):
    return units.to_internal(data[key], dim) if key in data else None


@_semantic("detector")
def _check_detector(path: Path, data: dict) -> None:
    for key in ("radius", "half_length"):
        if _q(data["tracker"], key, "length") <= 0:
            raise InvalidCard(path, f"tracker.{key}", f"expected a positive length, got {data['tracker'][key]!r}")
    for fl in ("electron", "muon"):
        m = data[fl]["efficiency"]
        where = f"{fl}.efficiency"
        for edges in ("pt_edges_GeV", "abs_eta_edges"):
            e = m[edges]
            if any(b <= a for a, b in zip(e, e[1:])):
                raise InvalidCard(path, f"{where}.{edges}", f"expected increasing bin edges, got {e}")
        rows, cols = len(m["pt_edges_GeV"]) - 1, len(m["abs_eta_edges"]) - 1
        if len(m["values"]) != rows or any(len(r) != cols for r in m["values"]):
            raise InvalidCard(path, f"{where}.values", f"expected {rows} rows (pT bins) of {cols} values (|eta| bins)")


@_semantic("analysis")
def _check_analysis(path: Path, data: dict) -> None:
    if _q(data, "luminosity", "lumi") <= 0:
        raise InvalidCard(path, "luminosity", f"expected a positive luminosity, got {data['luminosity']!r}")
    if not 1000.0 <= _q(data, "sqrt_s", "energy") <= 100_000.0:  # a hadron collider's: Pythia's range here
        raise InvalidCard(path, "sqrt_s", f"expected a collision energy of 1-100 TeV, got {data['sqrt_s']!r}")
    for lep in ("electron", "muon"):
        if units.to_internal(data[lep]["pt_min"], "energy") < 0:
            raise InvalidCard(path, f"{lep}.pt_min", "expected a non-negative threshold")
    if "detector" in data:
        try:
            found = find_card(data["detector"], "detector")
        except InvalidCard as e:
            raise InvalidCard(path, "detector", e.message) from None
        if not found.is_file():
            raise InvalidCard(path, "detector", f"no such detector card: {data['detector']}")
    regions = data["signal_regions"]
    names = [r["name"] for r in regions]
    if len(set(names)) != len(names):
        raise InvalidCard(path, "signal_regions", f"region names must be unique, got {names}")
    pairing = data.get("pairing", "emu")
    if any("d0_first" in r or "d0_second" in r for r in regions):
        _check_boxes(path, data, regions)
        regions_1d = []
    else:
        regions_1d = regions
    if "veto_other_flavour" in data and pairing not in ("ee", "mumu"):
        raise InvalidCard(path, "veto_other_flavour", "only with pairing ee or mumu")
    prev_hi, prev_name = None, None
    for i, r in enumerate(regions_1d):
        lo, hi = units.to_internal(r["d0_min"], "length"), units.to_internal(r["d0_max"], "length")
        if lo < 0:
            raise InvalidCard(path, f"signal_regions[{i}].d0_min", f"expected d0_min >= 0, got {r['d0_min']!r}")
        if not lo < hi:
            raise InvalidCard(
                path, f"signal_regions[{i}].d0_max", f"expected d0_max > d0_min ({r['d0_min']}), got {r['d0_max']!r}"
            )
        leading_two = data.get("pairing", "emu") == "leading_two"
        if leading_two and r.get("flavours") is None:
            raise InvalidCard(
                path, f"signal_regions[{i}].flavours", "missing: pairing leading_two needs ee, mumu or emu"
            )
        if not leading_two and "flavours" in r:
            raise InvalidCard(path, f"signal_regions[{i}].flavours", "only with pairing leading_two")
        if prev_hi is not None and lo < prev_hi and not leading_two:  # (leading_two: exclusive by flavours)
            raise InvalidCard(
                path,
                f"signal_regions[{i}].d0_min",
                f"regions must be ordered and not overlap: {r['name']} starts at {r['d0_min']} "
                f"below the end of {prev_name}",
            )
        prev_hi, prev_name = hi, r["name"]
    if "d0_max" in data and prev_hi is not None and prev_hi > _q(data, "d0_max", "length") * (1 + 1e-12):
        raise InvalidCard(path, "signal_regions", f"the last region ends above the analysis d0_max ({data['d0_max']})")
    bkg = data.get("background", {})
    for key in ("counts", "uncertainty"):
        if key in bkg and len(bkg[key]) != len(regions):
            raise InvalidCard(path, f"background.{key}", f"expected {len(regions)} values, one per signal region")
    if bkg.get("model") == "heavy_flavour_kappa" and "counts" in bkg and "counts_luminosity" not in bkg:
        raise InvalidCard(path, "background.counts_luminosity", "missing: the luminosity the counts refer to")
    if "counts_luminosity" in bkg and units.to_internal(bkg["counts_luminosity"], "lumi") <= 0:
        raise InvalidCard(path, "background.counts_luminosity", "expected a positive luminosity")
    opts = data.get("background_options") or {}
    for where, b in [("background", bkg), *((f"background_options.{k}", v) for k, v in opts.items())]:
        _check_published_mode(path, where, b)
    if "observed" in data and len(data["observed"]) != len(regions):
        raise InvalidCard(path, "observed", f"expected {len(regions)} counts, one per signal region")
    lik = data.get("likelihood")
    if lik is not None:
        if len(lik["channels"]) != len(regions):
            raise InvalidCard(path, "likelihood.channels", f"expected {len(regions)} channels, one per signal region")
        lik_file = resources.files("lepreint").joinpath("data", lik["file"])
        if not lik_file.is_file():
            raise InvalidCard(path, "likelihood.file", f"no such file in lepreint's data: {lik['file']}")
        # the regions' signals go into these channels in order: each once, and each in the file (a channel named
        # twice would take both signals and pyhf keep only the last)
        if len(set(lik["channels"])) != len(lik["channels"]):
            raise InvalidCard(path, "likelihood.channels", f"a channel named twice: {lik['channels']}")
        try:
            have = [c["name"] for c in json.loads(lik_file.read_text())["channels"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidCard(path, "likelihood.file", f"not a pyhf workspace: {exc}") from None
        missing = [c for c in lik["channels"] if c not in have]
        if missing:
            raise InvalidCard(
                path, "likelihood.channels", f"{', '.join(missing)} not in {lik['file']} (its channels: {have})"
            )
    if data.get("pairing", "emu") == "leading_two":
        flv = [r["flavours"] for r in regions]
        if len(set(flv)) != len(flv):
            raise InvalidCard(path, "signal_regions", f"one region per flavour pair, got {flv}")
    _check_pairing_fields(path, data)


#: what the two selections read (``lepreint.analysis.selection`` and ``leading_pair``): a field the card's pairing
#: does not read would be ignored without a word, so it is refused
_NOT_WITH_LEADING_TWO = ("preselection_pt_min", "lepton_jet_veto", "d0_max", "d0_max_policy")
_LEPTON_NOT_WITH_LEADING_TWO = (
    "isolation_cone",
    "isolation_max",
    "isolation_pt_term",
    "eta_veto",
    "eta_phi_veto",
    "max_production_radius",
)
_ONLY_WITH_LEADING_TWO = ("trigger", "truth_volume")


def _check_pairing_fields(path: Path, data: dict) -> None:
    pairing = data.get("pairing", "emu")
    if pairing == "leading_two":
        why = "not read with pairing leading_two (the efficiencies are the detector's maps: isolation and the rest inside)"
        for key in _NOT_WITH_LEADING_TWO:
            if key in data:
                raise InvalidCard(path, key, why)
        for lep in ("electron", "muon"):
            for key in _LEPTON_NOT_WITH_LEADING_TWO:
                if key in data[lep]:
                    raise InvalidCard(path, f"{lep}.{key}", why)
    else:
        for key in _ONLY_WITH_LEADING_TWO:
            if key in data:
                raise InvalidCard(path, key, f"only with pairing leading_two (pairing {pairing} does not read it)")


def _check_boxes(path: Path, data: dict, regions: list) -> None:
    """Regions as boxes in the two leptons' |d0| (and the leading lepton's pT): each well formed, none overlapping
    another (the regions of a channel are exclusive)."""
    if data.get("pairing", "emu") not in ("emu", "ee", "mumu"):
        raise InvalidCard(path, "signal_regions", "d0_first / d0_second boxes need pairing emu, ee or mumu")
    boxes: list[list[tuple[float, float]]] = []
    for i, r in enumerate(regions):
        where = f"signal_regions[{i}]"
        if "d0_first" not in r or "d0_second" not in r:
            raise InvalidCard(path, where, "a box needs both d0_first and d0_second (all regions boxes, or none)")
        if "d0_min" in r or "d0_max" in r:
            raise InvalidCard(path, where, "d0_min / d0_max and a d0_first / d0_second box: give one of them")
        box = []
        for key, dim in (("d0_first", "length"), ("d0_second", "length")):
            lo, hi = _window(r[key], dim)
            if not 0 <= lo < hi:
                raise InvalidCard(path, f"{where}.{key}", f"expected 0 <= lower < upper, got {r[key]!r}")
            box.append((lo, hi))
        lo = units.to_internal(r["lead_pt_min"], "energy") if "lead_pt_min" in r else 0.0
        hi = units.to_internal(r["lead_pt_max"], "energy") if "lead_pt_max" in r else float("inf")
        if not lo < hi:
            raise InvalidCard(path, f"{where}.lead_pt_max", f"expected above lead_pt_min, got {r['lead_pt_max']!r}")
        box.append((lo, hi))
        for j, other in enumerate(boxes):
            if all(a[0] < b[1] and b[0] < a[1] for a, b in zip(box, other, strict=True)):
                raise InvalidCard(
                    path, where, f"region {r['name']} overlaps {regions[j]['name']}: regions are exclusive"
                )
        boxes.append(box)


@_semantic("combination")
def _check_combination(path: Path, data: dict) -> None:
    """Every part an analysis card at the combination's energy; the parts of a bin with the same regions; one
    background, uncertainty and count per region; no bin twice."""
    seen = set()
    first_detector: dict = {}
    for i, b in enumerate(data["bins"]):
        where = f"bins[{i}]"
        ident = (b["channel"], b["period"])
        if ident in seen:
            raise InvalidCard(path, where, f"channel {b['channel']} in period {b['period']} twice")
        seen.add(ident)
        names = None
        for j, part in enumerate(b["parts"]):
            try:
                card = load_card(find_card(part, "analysis"), "analysis")
            except InvalidCard as e:
                raise InvalidCard(path, f"{where}.parts[{j}]", f"{part}: {e.message}") from None
            if abs(_q(card.data, "sqrt_s", "energy") - _q(data, "sqrt_s", "energy")) > 1.0:
                raise InvalidCard(
                    path, f"{where}.parts[{j}]", f"{part} is at {card.data['sqrt_s']}, not {data['sqrt_s']}"
                )
            det = card.data.get("detector")
            if det != first_detector.setdefault("name", det):
                raise InvalidCard(
                    path,
                    f"{where}.parts[{j}]",
                    f"{part} runs with the {det} detector, another part with {first_detector['name']}: one "
                    "detector simulates a combination's events",
                )
            regs = [r["name"] for r in card.data["signal_regions"]]
            if names is not None and regs != names:
                raise InvalidCard(path, f"{where}.parts[{j}]", f"{part}'s regions {regs} differ from {names}")
            names = regs
        for key in ("background", "uncertainty", "observed"):
            if names is not None and len(b[key]) != len(names):
                raise InvalidCard(
                    path, f"{where}.{key}", f"expected {len(names)} values, one per region of {b['parts'][0]}"
                )


def _combination_config(card: Card) -> AnalysisConfig:
    """The typed view of a combination card: an ``AnalysisConfig`` whose regions are its bins' regions, with the
    bins' backgrounds (``published_counts`` at the combination's luminosity) and observed counts, and its parts."""
    d = card.data
    lumi = units.to_internal(d["luminosity"], "lumi")
    names: dict[str, int] = {}
    parts: list[AnalysisConfig] = []
    bins, regions, counts, unc, observed = [], [], [], [], []
    for b in d["bins"]:
        idx = []
        for part in b["parts"]:
            if part not in names:
                names[part] = len(parts)
                parts.append(analysis_config(part))
            idx.append(names[part])
        label = f"{b['channel']} {b['period']}"
        bins.append((label, tuple(idx)))
        regions += [dataclasses.replace(r, name=f"{label} {r.name}") for r in parts[idx[0]].regions]
        counts += [float(x) for x in b["background"]]
        unc += [float(x) for x in b["uncertainty"]]
        observed += [int(x) for x in b["observed"]]
    first = parts[0]
    return AnalysisConfig(
        name=d["name"],
        sqrt_s=units.to_internal(d["sqrt_s"], "energy"),
        luminosity=lumi,
        electron=first.electron,
        muon=first.muon,
        regions=tuple(regions),
        background=BackgroundConfig(
            name=d["name"],
            model="published_counts",
            counts=tuple(counts),
            counts_source=d.get("background_source", ""),
            counts_luminosity=lumi,
            uncertainty=tuple(unc),
        ),
        observed=tuple(observed),
        pairing="combination",
        detector=first.detector,  # the parts share it (``_check_combination``)
        parts=tuple(parts),
        bins=tuple(bins),
        bin_channels=tuple(str(b["channel"]) for b in d["bins"]),
        card=card.path,
        digest=card_digest({"card": d, "parts": [p.digest for p in parts]}),
    )


def _check_point(path: Path, where: str, p: dict) -> None:
    mc = units.to_internal(p["mc"], "energy") if "mc" in p else None
    dm = units.to_internal(p["dm"], "energy") if "dm" in p else None
    if dm is not None and dm <= 0:
        raise InvalidCard(path, f"{where}.dm", f"expected a positive mass splitting, got {p['dm']!r}")
    if mc is not None and dm is not None and not dm < mc:
        raise InvalidCard(path, f"{where}.dm", f"expected dm < mc ({p['mc']}), got {p['dm']!r}")
    if "ctau" in p and units.to_internal(p["ctau"], "length") <= 0:
        raise InvalidCard(path, f"{where}.ctau", f"expected a positive decay length, got {p['ctau']!r}")


def _check_model_name(path: Path, field: str, name: str) -> None:

    if name not in MODELS:
        raise InvalidCard(path, field, f"unknown model {name!r} (known: {', '.join(sorted(MODELS))})")


@_semantic("model")
def _check_model(path: Path, data: dict) -> None:
    _check_model_name(path, "model", data["model"])
    _check_point(path, "parameters", data["parameters"])
    xs = data.get("xsec", {})
    if xs.get("source") == "value" and "value" not in xs:
        raise InvalidCard(path, "xsec.value", "missing: source 'value' needs a cross section, e.g. '1.2 pb'")


@_semantic("benchmarks")
def _check_benchmarks(path: Path, data: dict) -> None:
    _check_model_name(path, "model", data["model"])
    ids = [p["id"] for p in data["points"]]
    if len(set(ids)) != len(ids):
        raise InvalidCard(path, "points", f"benchmark ids must be unique, got {ids}")
    for i, p in enumerate(data["points"]):
        _check_point(path, f"points[{i}]", p)


# --------------------------------------------------------------------------- typed views


@dataclasses.dataclass(frozen=True)
class Region:
    name: str
    d0_min: float  #: mm, inclusive lower edge on the smaller |d0| of the pair (a box: its lowest edge)
    d0_max: float  #: mm, exclusive upper edge (a box: its highest edge)
    flavours: str | None = None  #: ``pairing: leading_two``: the two leading leptons' flavours, ee, mumu or emu
    #: a box in the two leptons' |d0| (mm, [lower, upper)): the first lepton (the electron of an e-mu pair, the
    #: leading one of ee or mu-mu) and the second; None: the interval [d0_min, d0_max) of the smaller |d0|
    d0_first: tuple[float, float] | None = None
    d0_second: tuple[float, float] | None = None
    lead_pt_min: float = 0.0  #: GeV: the pair's leading lepton at least this pT
    lead_pt_max: float = float("inf")  #: GeV: ... and below this

    @property
    def is_box(self) -> bool:
        return self.d0_first is not None


@dataclasses.dataclass(frozen=True)
class TriggerLeg:
    """One way to fire the trigger (generator-level emulation): ``count`` leptons of ``flavour`` above ``pt_min``
    inside ``abs_eta_max``."""

    flavour: str  #: e or mu
    count: int
    pt_min: float  #: GeV
    abs_eta_max: float | None = None


@dataclasses.dataclass(frozen=True)
class LeptonCuts:
    pt_min: float  #: GeV
    abs_eta_max: float = 2.4
    isolation_cone: float = 0.2
    isolation_max: float | None = None  #: relative isolation (sum pT in cone / pT); None = no cut
    isolation_pt_term: float = 0.0  #: GeV: the requirement is isolation_max + isolation_pt_term / pT
    eta_veto: tuple[float, float] | None = None  #: an |eta| interval without leptons (e.g. the ECAL transition)
    #: (eta_lo, eta_hi, phi_lo, phi_hi) regions without leptons (signed eta and phi, e.g. dead tracker modules)
    eta_phi_veto: tuple[tuple[float, float, float, float], ...] = ()
    max_production_radius: float | None = None  #: mm: the identification's inner-hit requirements as a radius


@dataclasses.dataclass(frozen=True)
class BackgroundConfig:
    name: str = "default"  #: the card's background (``background.name``) or the chosen ``background_options`` key
    model: str = "heavy_flavour_kappa"  #: or "published_counts"; "none": the card has no background section
    mode: str = "published"  #: 'formula' (Eq. 3.7) or 'published' (Tables 2 and 3)
    counts: tuple[float, ...] = ()  #: reference counts N_i at the reference thresholds
    counts_source: str = ""
    counts_luminosity: float = 2.6  #: fb^-1
    formula_upper_limit: float | None = 70.0  #: GeV; None = integrate to infinity
    uncertainty: tuple[float, ...] = ()  #: relative background uncertainties per region (for CLs)
    scale: float = 1.0  #: a factor on B (e.g. sigma(b-bbar) at the card's energy over that of the counts)
    scale_source: str = ""


@dataclasses.dataclass(frozen=True)
class AnalysisConfig:
    name: str
    sqrt_s: float  #: GeV
    luminosity: float  #: fb^-1
    electron: LeptonCuts
    muon: LeptonCuts
    regions: tuple[Region, ...]
    #: GeV: the leptons counted in the pair's 'exactly one electron and one muon' (or two of a flavour) and the
    #: other-flavour veto; None (a card without it): each flavour's own ``pt_min``, the search's lepton definition
    preselection_pt_min: float | None = None
    opposite_charge: bool = True
    d0_max: float | None = None  #: mm
    d0_max_policy: str = "veto"
    background: BackgroundConfig = BackgroundConfig()
    pair_min_dr: float = 0.0  #: Delta R(e, mu) of the pair, at least
    jet_veto_pt_min: float | None = None  #: GeV: no jet above this within ``jet_veto_dr`` of a pair lepton
    jet_veto_dr: float = 0.0
    observed: tuple[int, ...] | None = None
    #: ``emu`` (exactly one electron and one muon, regions in the smaller |d0|) or ``leading_two`` (the two leading
    #: leptons of any flavours, regions by their flavours: ``lepreint.analysis.leading_pair``)
    pairing: str = "emu"
    #: ``leading_two``: the acceptance's leptons are produced inside this cylinder (radius, half length, mm): the
    #: volume whose secondaries the experiment's generator-level record keeps; None: anywhere
    truth_volume: tuple[float, float] | None = None
    trigger: tuple[TriggerLeg, ...] = ()  #: generator-level trigger emulation (``leading_two``); empty: none
    likelihood: str | None = None  #: a published background-only likelihood (pyhf JSON, package data path)
    likelihood_channels: tuple[str, ...] = ()  #: its channel of each signal region
    #: a combination card (``kind: combination``): the analysis cards it is made of, and per bin (a channel in a
    #: period) its label and the parts whose signals add up in its regions; the regions are the bins' regions in
    #: order, named "<channel> <period> <region>"
    parts: tuple[AnalysisConfig, ...] = ()
    bins: tuple[tuple[str, tuple[int, ...]], ...] = ()
    #: a combination's channel of each bin (the card's ``channel``)
    bin_channels: tuple[str, ...] = ()
    #: pairings ee and mumu: no identified lepton of the other flavour with |d0| above this (mm); None: no veto
    veto_other_flavour_d0_min: float | None = None
    #: the detector card the analysis's recipe is defined with (the card's ``detector``; a combination's, its parts'
    #: common one): the default detector, and the only built-in one it runs with (``detector_for``)
    detector: str | None = None
    card: str = ""
    digest: str = ""


def _lepton(d: dict) -> LeptonCuts:
    return LeptonCuts(
        pt_min=units.to_internal(d["pt_min"], "energy"),
        abs_eta_max=float(d.get("abs_eta_max", 2.4)),
        isolation_cone=float(d.get("isolation_cone", 0.2)),
        isolation_max=d.get("isolation_max"),
        isolation_pt_term=units.to_internal(d["isolation_pt_term"], "energy") if "isolation_pt_term" in d else 0.0,
        eta_veto=(float(d["eta_veto"][0]), float(d["eta_veto"][1])) if "eta_veto" in d else None,
        eta_phi_veto=tuple(
            (float(v["eta"][0]), float(v["eta"][1]), float(v["phi"][0]), float(v["phi"][1]))
            for v in d.get("eta_phi_veto", ())
        ),
        max_production_radius=(
            units.to_internal(d["max_production_radius"], "length") if "max_production_radius" in d else None
        ),
    )


def _window(w, dim: str = "length") -> tuple[float, float]:
    return units.to_internal(w[0], dim), units.to_internal(w[1], dim)


def _check_published_mode(path, where: str, bkg) -> None:
    """The heavy-flavour background's published mode takes Table 2 and Table 3 as printed: the formula's reference
    counts and integration limit are not read, so a card changing them in this mode would be answered as if it had
    not (refused)."""
    if not (
        bkg
        and isinstance(bkg, dict)
        and bkg.get("model", "heavy_flavour_kappa") == "heavy_flavour_kappa"
        and bkg.get("mode", "published") == "published"
    ):
        return
    if "counts" in bkg and not all(
        math.isclose(float(x), y, rel_tol=1e-9) for x, y in zip(bkg["counts"], TABLE3_REFERENCE_COUNTS)
    ):
        raise InvalidCard(
            path,
            f"{where}.counts",
            f"read in mode 'formula' only; mode 'published' takes Table 3 as printed (its reference row "
            f"{list(TABLE3_REFERENCE_COUNTS)}): set mode: formula, or drop them",
        )
    if "counts_luminosity" in bkg and not math.isclose(
        units.to_internal(bkg["counts_luminosity"], "lumi"), REFERENCE_LUMI, rel_tol=1e-9
    ):
        raise InvalidCard(path, f"{where}.counts_luminosity", "mode 'published' takes Table 3 at 2.6 /fb")
    upper = bkg.get("formula_upper_limit", "70 GeV")
    if upper == "none" or not math.isclose(units.to_internal(upper, "energy"), 70.0, rel_tol=1e-9):
        raise InvalidCard(
            path, f"{where}.formula_upper_limit", "read in mode 'formula' only (Eq. 3.7): set mode: formula"
        )


def _region(r: dict) -> Region:
    first: tuple[float, float] | None = None
    second: tuple[float, float] | None = None
    if "d0_first" in r:
        first, second = _window(r["d0_first"]), _window(r["d0_second"])
        lo, hi = min(first[0], second[0]), max(first[1], second[1])
    else:
        lo, hi = units.to_internal(r["d0_min"], "length"), units.to_internal(r["d0_max"], "length")
    return Region(
        r["name"],
        lo,
        hi,
        r.get("flavours"),
        first,
        second,
        units.to_internal(r["lead_pt_min"], "energy") if "lead_pt_min" in r else 0.0,
        units.to_internal(r["lead_pt_max"], "energy") if "lead_pt_max" in r else float("inf"),
    )


def _background(b: dict, name: str) -> BackgroundConfig:
    upper = b.get("formula_upper_limit", "70 GeV")
    return BackgroundConfig(
        name=name,
        # a card without a background section has none (a part of a combination, whose card has the backgrounds)
        model=b.get("model", "heavy_flavour_kappa") if b else "none",
        mode=b.get("mode", "published"),
        counts=tuple(float(x) for x in b.get("counts", ())),
        counts_source=b.get("counts_source", ""),
        counts_luminosity=units.to_internal(b.get("counts_luminosity", "2.6 /fb"), "lumi"),
        formula_upper_limit=None if upper == "none" else units.to_internal(upper, "energy"),
        uncertainty=tuple(float(x) for x in b.get("uncertainty", ())),
        scale=float(b.get("scale", 1.0)),
        scale_source=b.get("scale_source", ""),
    )


#: the detector of an analysis whose card names none
DEFAULT_DETECTOR = "cms_run2"


def detector_for(analysis: AnalysisConfig | str | os.PathLike, detector: str | os.PathLike | None = None) -> str:
    """The detector card to run ``analysis`` with: ``detector`` if given, else the analysis card's own
    (``detector:``), else ``DEFAULT_DETECTOR``.  Another detector named by a bare name (shipped, or one's own in
    ``$LEPREINT_CARDS``) is refused: the recipe's efficiencies live in its detector card (ATLAS's search in
    ``atlas_run2``'s maps; CMS's d0 tables in ``cms_run2``), so another would give numbers of no meaning.  A
    detector card given by path is the user's deliberate choice and is taken as given."""
    cfg = analysis if isinstance(analysis, AnalysisConfig) else analysis_config(analysis)
    if detector is None:
        return cfg.detector or DEFAULT_DETECTOR
    name = str(detector)
    if cfg.detector and name != cfg.detector and not Path(name).is_file():
        raise LepreintError(
            f"analysis {cfg.name} is defined with the {cfg.detector} detector (its card's 'detector'), not {name}: "
            f"leave --detector out, or give a detector card of your own by path"
        )
    return name


def analysis_config(card: Card | str | os.PathLike, background: str | None = None) -> AnalysisConfig:
    """Typed view of an analysis card (path, bare name, or loaded :class:`Card`).

    ``background``: one of the card's ``background_options`` instead of its ``background``; a card named
    ``name@option`` (``cms_exo_16_022@paper_upper_limits``) chooses it too, wherever an analysis is named (command
    line, scan cards).  The chosen background's name is in :attr:`AnalysisConfig.background` and the analysis name
    carries it (``name@option``)."""
    if isinstance(card, str) and "@" in card and not Path(card).exists():
        card, _, opt = card.rpartition("@")
        if background is not None and background != opt:
            raise LepreintError(f"analysis {card}: background {opt!r} and {background!r} both asked for")
        background = opt
    if not isinstance(card, Card):
        card = load_card(find_card(card, "analysis"))
    if card.kind == "combination":
        if background is not None:
            raise LepreintError(f"combination {card.data['name']}: its bins' backgrounds are the only ones")
        return _combination_config(card)
    if card.kind != "analysis":
        raise InvalidCard(card.path, "kind", f"expected an analysis or combination card here, got a {card.kind} card")
    d = card.data
    options = d.get("background_options", {})
    if background is None or background == d.get("background", {}).get("name", "default"):
        bkg = _background(d.get("background", {}), d.get("background", {}).get("name", "default"))
        name = d["name"] if background is None else f"{d['name']}@{background}"
    elif background in options:
        bkg, name = _background(options[background], background), f"{d['name']}@{background}"
    else:
        default = d.get("background", {}).get("name", "default")
        raise InvalidCard(
            card.path,
            "background_options",
            f"no background {background!r} (this card has: {', '.join([default, *options])})",
        )
    return AnalysisConfig(
        name=name,
        sqrt_s=units.to_internal(d["sqrt_s"], "energy"),
        luminosity=units.to_internal(d["luminosity"], "lumi"),
        electron=_lepton(d["electron"]),
        muon=_lepton(d["muon"]),
        regions=tuple(_region(r) for r in d["signal_regions"]),
        veto_other_flavour_d0_min=(
            units.to_internal(d["veto_other_flavour"]["d0_min"], "length") if "veto_other_flavour" in d else None
        ),
        pairing=d.get("pairing", "emu"),
        truth_volume=(
            (
                units.to_internal(d["truth_volume"]["radius"], "length"),
                units.to_internal(d["truth_volume"]["half_length"], "length"),
            )
            if "truth_volume" in d
            else None
        ),
        trigger=tuple(
            TriggerLeg(
                t["flavour"],
                int(t.get("count", 1)),
                units.to_internal(t["pt_min"], "energy"),
                float(t["abs_eta_max"]) if "abs_eta_max" in t else None,
            )
            for t in d.get("trigger", ())
        ),
        likelihood=(d.get("likelihood") or {}).get("file"),
        detector=d.get("detector"),
        likelihood_channels=tuple((d.get("likelihood") or {}).get("channels", ())),
        preselection_pt_min=(
            units.to_internal(d["preselection_pt_min"], "energy") if "preselection_pt_min" in d else None
        ),
        opposite_charge=bool(d.get("opposite_charge", True)),
        d0_max=units.to_internal(d["d0_max"], "length") if "d0_max" in d else None,
        d0_max_policy=d.get("d0_max_policy", "veto"),
        background=bkg,
        pair_min_dr=float(d.get("pair_min_dr", 0.0)),
        jet_veto_pt_min=(
            units.to_internal(d["lepton_jet_veto"]["jet_pt_min"], "energy") if "lepton_jet_veto" in d else None
        ),
        jet_veto_dr=float(d["lepton_jet_veto"]["dr"]) if "lepton_jet_veto" in d else 0.0,
        observed=tuple(d["observed"]) if "observed" in d else None,
        card=card.path,
        digest=card.digest,
    )


@dataclasses.dataclass(frozen=True)
class Benchmark:
    id: int
    mc: float  #: GeV
    dm: float  #: GeV
    ctau: float  #: mm, nominal (proper) decay length
    br_ll: float = 1.0
    note: str = ""


def benchmarks(card: Card | str | os.PathLike = "table1") -> dict[int, Benchmark]:
    """The points of a benchmarks card, keyed by id (default: the paper's Table 1)."""
    if not isinstance(card, Card):
        card = load_card(find_card(card, "benchmarks"), "benchmarks")
    return {
        p["id"]: Benchmark(
            id=p["id"],
            mc=units.to_internal(p["mc"], "energy"),
            dm=units.to_internal(p["dm"], "energy"),
            ctau=units.to_internal(p["ctau"], "length"),
            br_ll=float(p.get("br_ll", 1.0)),
            note=p.get("note", ""),
        )
        for p in card.data["points"]
    }
