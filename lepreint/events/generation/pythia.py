"""Pythia 8 in-process (the ``pythia8mc`` wheel): settings, one run, and a lean event extraction.

Pythia's Python bindings cost about a microsecond per call, so the extraction touches only the
final-state particles and asks each for what the slim events need: id, four-momentum, and the
production vertex of charged leptons and long-lived particles.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field

import numpy as np

from lepreint.constants import C_MM_PER_NS
from lepreint.errors import LepreintError
from lepreint.events.slim import INVISIBLE_PDG

__all__ = ["ShowerOptions", "PythiaSetup", "PythiaRun", "TruthChunk", "pythia_version", "SEED_MAX"]

#: Pythia's Random:seed must lie in [0, 900000000]
SEED_MAX = 900_000_000
#: consecutive failures of Pythia's next() before a run gives up
MAX_FAILURES = 100


def pythia_version() -> str:
    try:
        from importlib.metadata import version

        return version("pythia8mc")
    except Exception:  # pragma: no cover - metadata missing
        return "unknown"


@dataclass(frozen=True)
class ShowerOptions:
    """The parton-shower and underlying-event choices that change results (all in every sample's metadata).

    ``mpi``: multiple parton interactions (the underlying event); about 90% of Pythia's time for
    chargino pairs; off is the fast mode (isolation sums and HT lose the underlying event).
    ``pt_max_match``: ``SpaceShower:pTmaxMatch``: 0 (Pythia's default) lets initial-state radiation
    run up to the kinematic limit when the hard final state has no coloured partons or photons (a
    chargino pair: a power shower, like 2), 1 always stops it at the factorisation scale, 2 never.
    ISR recoil feeds the high-pT lepton tail, so this is an option.
    """

    ecm: float = 13000.0
    mpi: bool = True
    isr: bool = True
    fsr: bool = True
    hadronisation: bool = True
    pt_max_match: int = 0
    tune: int = 14  #: Tune:pp, 14 = Monash 2013 (Pythia's default)
    #: QED radiation off charged leptons in Pythia's final-state shower (TimeShower:QEDshowerByL).
    #: lepreint's own LLP decays radiate no photons: their leptons are "dressed" (photons recombined),
    #: as an electron's ECAL cluster is.  Off only for validating decays against Pythia's.
    qed_fsr_leptons: bool = True

    def settings(self) -> list[str]:
        on = {True: "on", False: "off"}
        return [
            f"Beams:eCM = {self.ecm:.6g}",
            f"Tune:pp = {self.tune}",
            f"PartonLevel:MPI = {on[self.mpi]}",
            f"PartonLevel:ISR = {on[self.isr]}",
            f"PartonLevel:FSR = {on[self.fsr]}",
            f"HadronLevel:all = {on[self.hadronisation]}",
            f"SpaceShower:pTmaxMatch = {self.pt_max_match}",
            f"TimeShower:QEDshowerByL = {on[self.qed_fsr_leptons]}",
        ]

    def as_dict(self) -> dict:
        return {
            "ecm_GeV": self.ecm,
            "mpi": self.mpi,
            "isr": self.isr,
            "fsr": self.fsr,
            "hadronisation": self.hadronisation,
            "pt_max_match": self.pt_max_match,
            "tune_pp": self.tune,
            "qed_fsr_leptons": self.qed_fsr_leptons,
        }


@dataclass
class PythiaSetup:
    """What a model asks of Pythia: process settings, an optional SLHA spectrum, LLPs to keep stable."""

    settings: list[str]
    slha: str | None = None
    llp_ids: frozenset[int] = frozenset()
    #: optional filter on the extracted event (``TruthEvent``-like dict) -> bool
    filter: object | None = None


@dataclass
class TruthChunk:
    """Extracted final states of a run of events (flat arrays + per-event offsets)."""

    weights: list[float] = field(default_factory=list)
    # visible final-state particles not descending from an LLP: pdg, px, py, pz, e, vx, vy, vz, vt,
    # mother's pdg (leptons only)
    vis: list[np.ndarray] = field(default_factory=list)
    inv: list[tuple[float, float]] = field(default_factory=list)
    # LLPs: pdg, mass, px, py, pz, e, vx, vy, vz, vt
    llps: list[np.ndarray] = field(default_factory=list)
    # every invisible final-state particle (pdg, px, py, pz, e), only kept for HepMC export
    inv_particles: list[np.ndarray] = field(default_factory=list)
    tried: int = 0
    sum_weights_tried: float = 0.0


class PythiaRun:
    """One initialised Pythia instance (one per worker chunk)."""

    def __init__(self, setup: PythiaSetup, shower: ShowerOptions, seed: int):
        import pythia8mc

        if not 0 <= seed <= SEED_MAX:
            raise LepreintError(f"Pythia seed must be in [0, {SEED_MAX}], got {seed}")
        self._slha_path = None
        self.py = pythia8mc.Pythia("", False)
        settings = [
            "Print:quiet = on",
            "SLHA:verbose = 0",
            "Next:numberCount = 0",
            "Random:setSeed = on",
            f"Random:seed = {seed}",
        ]
        settings += shower.settings() + list(setup.settings)
        if setup.slha is not None:
            fd, self._slha_path = tempfile.mkstemp(suffix=".slha", prefix="lepreint-")
            with os.fdopen(fd, "w") as fh:
                fh.write(setup.slha)
            settings += [f"SLHA:file = {self._slha_path}"]
        for pid in setup.llp_ids:
            settings.append(f"{pid}:mayDecay = off")
        for s in settings:
            if not self.py.readString(s):
                raise LepreintError(f"Pythia rejected the setting {s!r}")
        if not self.py.init():
            raise LepreintError("Pythia failed to initialise (see the settings in the sample options)")
        self.llp_ids = frozenset(abs(i) for i in setup.llp_ids)
        self.filter = setup.filter

    def close(self) -> None:
        if self._slha_path and os.path.exists(self._slha_path):
            os.unlink(self._slha_path)

    def sigma_fb(self) -> float:
        return float(self.py.infoPython().sigmaGen()) * 1e12  # mb -> fb

    def sigma_err_fb(self) -> float:
        return float(self.py.infoPython().sigmaErr()) * 1e12

    def run(self, n_tried: int, keep_invisible: bool = False, tick=None) -> TruthChunk:
        """Generate ``n_tried`` events; keep those passing the setup's filter.  ``tick(n)`` is told every 20
        generated events (a progress counter shared with the parent process)."""
        out = TruthChunk()
        py = self.py
        llp_ids = self.llp_ids
        inv_ids = INVISIBLE_PDG
        cmm = C_MM_PER_NS
        failures = 0
        while out.tried < n_tried:
            if not py.next():
                # Pythia's own failure: not an event, retried (Pythia counts it in its statistics)
                failures += 1
                if failures > MAX_FAILURES:
                    raise LepreintError(f"Pythia failed {failures} times in a row; check the model settings")
                continue
            failures = 0
            out.tried += 1
            if tick is not None and out.tried % 20 == 0:
                tick(20)
            w = py.infoPython().weight()  # (an Info obtained once can hold stale per-event values)
            out.sum_weights_tried += w
            ev = py.event
            vis, llps, invp = [], [], []
            ipx = ipy = 0.0
            for i in range(ev.size()):
                p = ev[i]
                if not p.isFinal():
                    continue
                pid = p.id()
                a = pid if pid > 0 else -pid
                if a in llp_ids:
                    llps.append(
                        (pid, p.m(), p.px(), p.py(), p.pz(), p.e(), p.xProd(), p.yProd(), p.zProd(), p.tProd() / cmm)
                    )
                elif a in inv_ids or not p.isVisible():
                    px, pyy = p.px(), p.py()
                    ipx += px
                    ipy += pyy
                    if keep_invisible:
                        invp.append((pid, px, pyy, p.pz(), p.e()))
                elif a == 11 or a == 13:
                    vis.append(
                        (
                            pid,
                            p.px(),
                            p.py(),
                            p.pz(),
                            p.e(),
                            p.xProd(),
                            p.yProd(),
                            p.zProd(),
                            p.tProd() / cmm,
                            ev[p.mother1()].id(),
                        )
                    )
                else:
                    vis.append((pid, p.px(), p.py(), p.pz(), p.e(), 0.0, 0.0, 0.0, 0.0, 0))
            vis_a = np.array(vis, dtype=float).reshape(-1, 10)
            if self.filter is not None and not self.filter(vis_a):
                continue
            out.weights.append(w)
            out.vis.append(vis_a)
            out.inv.append((ipx, ipy))
            out.llps.append(np.array(llps, dtype=float).reshape(-1, 10))
            if keep_invisible:
                out.inv_particles.append(np.array(invp, dtype=float).reshape(-1, 5))
        return out


def lo_cross_section(setup: PythiaSetup, ecm: float, events: int = 4000, seed: int = 1) -> tuple[float, float]:
    """Pythia's leading-order cross section (fb, and its error) of a model's hard process at ``ecm`` (GeV).

    Hard process only (no showers, no hadronisation, resonances undecayed): ~1 s.  Used to carry a
    tabulated higher-order cross section to an energy without a table (the K-factor at the table's
    energy times the LO cross section at the new one).
    """
    hard = PythiaSetup(
        [*list(setup.settings), "PartonLevel:all = off", "HadronLevel:all = off", "ProcessLevel:resonanceDecays = off"],
        setup.slha,
        setup.llp_ids,
    )
    run = PythiaRun(hard, ShowerOptions(ecm=ecm, mpi=False, isr=False, fsr=False, hadronisation=False), seed)
    try:
        for _ in range(events):
            run.py.next()
        return run.sigma_fb(), run.sigma_err_fb()
    finally:
        run.close()
