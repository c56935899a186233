"""What a model is: a module with the attributes of ``Model`` (checked for every registered model by the tests),
and, if it can be scanned, a ``SCAN`` plane.  Adding a model is adding one module and one line to
``lepreint.models.MODELS``; generation, the command line and scans find everything else here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

__all__ = ["Model", "ScanPlane", "point_key"]


@runtime_checkable
class Model(Protocol):
    """The interface of a model module (all energies GeV, lengths mm, cross sections fb)."""

    DEFAULT_OPTIONS: dict[str, Any]  #: every option the model takes, with its default (unknown options are errors)
    DEFAULT_OVERSAMPLING: int  #: decay copies K per generated event when lepreint decays the LLPs
    DEFAULT_XSEC_SOURCE: str  #: "table", "paper" or "pythia"
    DEFAULT_CHUNK: int  #: events per worker chunk (part of a sample's identity)

    def check_parameters(self, params: dict) -> dict:
        """The parameters, validated and as floats; unknown names are dropped (the caller reports them)."""
        ...

    def pythia_setup(self, params: dict, options: dict) -> Any:
        """A ``PythiaSetup``: process settings, SLHA spectrum, the LLPs Pythia must leave undecayed."""
        ...

    def llp_decay(self, params: dict, options: dict) -> dict | list | None:
        """How lepreint decays the LLPs (None: Pythia decays them)."""
        ...

    def cross_section(
        self, params: dict, ecm_gev: float, source: str = "table", options: dict | None = None
    ) -> tuple[float, str]:
        """(cross section in fb, its source); ``options``: the model's options, where they change it."""
        ...


def chiral_taus(branching: dict, options: dict) -> dict:
    """The decay specification's ``tau_polarisation`` field: taus decay with the chirality of the W or Z current that
    made them where the decays give any, unless the model option ``tau_polarisation`` is 'none' (no field then: the
    samples without taus keep their keys)."""
    on = branching.get(15, 0.0) > 0 and options.get("tau_polarisation", "chirality") == "chirality"
    return {"tau_polarisation": "chirality"} if on else {}


def point_key(mc: float, dm: float, ctau: float) -> str:
    """The file name of a (m, dm, c tau) scan point."""
    return f"mc{mc:.6g}_dm{dm:.6g}_ctau{ctau:.6g}mm"


@dataclass(frozen=True)
class ScanPlane:
    """How ``lepreint scan`` scans a model.

    ``axes``: the scan axes it needs among ``mc``, ``dm``, ``ctau``, ``u2`` (``mc`` is the model's mass axis);
    ``generation(mc, dm, generation_ctau)``: the parameters of the one sample generated per group;
    ``points(mc, dm, ctau_axis, u2_axis, options)``: the group's points, each a dict with ``key`` (file name),
    ``ctau`` (mm to move the sample's decay vertices to; None: as generated), ``scale`` (of the cross section)
    and ``fields`` (the point's row); ``options``: a scan's default generation options; ``plane``: the axes of
    a map for models without a c tau axis, ((row key, label, scale), (row key, label, scale)); ``check(options)``:
    options a scan cannot use."""

    axes: tuple[str, ...]
    generation: Callable[[float, float | None, float], dict]
    points: Callable[..., list[dict]]
    options: dict = field(default_factory=dict)
    plane: tuple | None = None
    check: Callable[[dict], None] | None = None

    @property
    def grouped_by_dm(self) -> bool:
        return "dm" in self.axes
