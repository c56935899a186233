"""Quantities with units at the edges (cards, CLI); plain floats inside.

Internal units (the whole package): energy GeV, length mm, time ns, cross section fb,
integrated luminosity fb^-1.  Strings such as ``"1 cm"``, ``"200 um"``, ``"140 /fb"``,
``"140 fb^-1"``, ``"140 fb-1"``, ``"1.2 pb"`` or ``"20 GeV"`` are parsed by pint
(no hand-written unit grammar); the only rewrite done here is HEP's ``fb-1`` spelling
into ``fb^-1``.
"""

from __future__ import annotations

import functools
import math
import re
from typing import NamedTuple

from lepreint.errors import LepreintError

__all__ = ["DIMENSIONS", "UnitError", "to_internal", "describe"]


class Dimension(NamedTuple):
    name: str  #: human name used in error messages
    internal: str  #: pint spelling of the internal unit
    example: str  #: an example shown in error messages


DIMENSIONS: dict[str, Dimension] = {
    "energy": Dimension("an energy", "GeV", "20 GeV"),
    "length": Dimension("a length", "mm", "1 cm"),
    "time": Dimension("a time", "ns", "0.25 ns"),
    "xsec": Dimension("a cross section", "fb", "903 fb"),
    "lumi": Dimension("an integrated luminosity", "1/fb", "140 /fb"),
}


class UnitError(LepreintError):
    """A value that is not a quantity of the expected dimension."""


@functools.lru_cache(maxsize=1)
def _registry():
    import pint

    return pint.UnitRegistry()


_INVERSE_HEP = re.compile(r"\b([A-Za-z]+)-1\b")


@functools.lru_cache(maxsize=4096)
def _parse(text: str, dim: str) -> float:
    import pint

    ureg = _registry()
    d = DIMENSIONS[dim]
    if "," in text:  # a list where one value is taken (lists are split before they get here)
        raise UnitError(f"{text!r}: one value expected here ({d.name}, e.g. {d.example!r}), not a list")
    cleaned = _INVERSE_HEP.sub(r"\1^-1", text.strip())
    try:
        q = ureg.Quantity(cleaned)
    except (pint.errors.PintError, ValueError, TypeError, AttributeError, SyntaxError) as exc:
        raise UnitError(f"cannot read {text!r} as {d.name} (e.g. {d.example!r})") from exc
    if q.unitless:
        raise UnitError(f"{text!r} has no unit; expected {d.name} with a unit, e.g. {d.example!r}")
    try:
        # 12 significant digits: '13 TeV' is 13000 GeV, not 13000.000000000002
        return float(f"{q.to(d.internal).magnitude:.12g}")
    except pint.errors.DimensionalityError as exc:
        raise UnitError(f"{text!r} is not {d.name} (e.g. {d.example!r})") from exc


def to_internal(value: str | float | int, dim: str, *, bare_numbers: bool = False) -> float:
    """Convert ``value`` to the internal unit of ``dim`` (see :data:`DIMENSIONS`).

    Strings must carry a unit.  Bare numbers are accepted only with ``bare_numbers=True``
    (used by CLI options whose help text states the unit) and are then taken to be in the
    internal unit already.
    """
    if isinstance(value, bool):
        raise UnitError(f"{value!r} is not {DIMENSIONS[dim].name}")
    if isinstance(value, (int, float)):
        if bare_numbers:
            return _finite(float(value), value, dim)
        d = DIMENSIONS[dim]
        raise UnitError(f"{value!r} has no unit; expected {d.name} with a unit, e.g. {d.example!r}")
    if isinstance(value, str):
        if bare_numbers:
            try:
                bare = float(value)
            except ValueError:
                pass
            else:
                return _finite(bare, value, dim)
        return _finite(_parse(value, dim), value, dim)
    raise UnitError(f"{value!r} is not {DIMENSIONS[dim].name}")


def _finite(x: float, value, dim: str) -> float:
    """``x``, refused if NaN or infinite: no quantity of a card or an option is either."""
    if not math.isfinite(x):
        d = DIMENSIONS[dim]
        raise UnitError(f"{value!r} is not finite; expected {d.name}, e.g. {d.example!r}")
    return x


def describe(dim: str) -> str:
    d = DIMENSIONS[dim]
    return f"{d.name} with a unit, e.g. {d.example!r}"
