"""Pythia 8 in-process (the ``pythia8mc`` wheel): settings, one run, and a lean event extraction.

Pythia's Python bindings cost about a microsecond per call, so the extraction touches only the
final-state particles and asks each for what the slim events need: id, four-momentum, and the
production vertex of charged leptons and long-lived particles.

Long-lived particles come two ways.  ``PythiaSetup.llp_ids``: Pythia leaves them undecayed and lepreint
decays them (``lepreint.events.generation.species``).  ``PythiaSetup.decayed_llp_ids``: Pythia decays them
itself, with their ``tau0``, R-hadrons included (a coloured sparticle hadronises first; in Pythia's record
the R-hadron carries the lifetime and at its decay vertex the sparticle re-emerges and decays at once).
The *carrier* of a lifetime is the last particle of those ids with a proper lifetime ``tau() > 0`` in its
line (the R-hadron, or the sparticle itself without R-hadrons): it is the LLP of the slim events, with its
decay vertex, its proper decay length and the link of every stored lepton that descends from it, directly
or through a tau or a b/c hadron (all mothers searched: a hadron of a string made of several partons has
them all as mothers).
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field

import numpy as np

from lepreint.constants import C_MM_PER_NS
from lepreint.errors import LepreintError
from lepreint.events.slim import INVISIBLE_PDG, LEPTON_MIN_PT

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
    #: LLPs Pythia must leave undecayed (lepreint decays them)
    llp_ids: frozenset[int] = frozenset()
    #: optional filter on the extracted event (``TruthEvent``-like dict) -> bool
    filter: object | None = None
    #: LLPs Pythia decays itself (|PDG id|; sparticles and their R-hadrons): recorded with their decay vertices
    #: and linked to the leptons they yield, so that lepreint can move them to any c tau
    decayed_llp_ids: frozenset[int] = frozenset()
    #: the composition the sample must have where Pythia's own mix of processes is not to be trusted: {|PDG id| of
    #: an event's first LLP: its fraction of the cross section}.  The sample's events are reweighted once all are
    #: generated (``state_weights``: per state, the target fraction over the state's share of the generated
    #: weight), so the sum of weights is unchanged.
    state_fractions: dict[int, float] | None = None

    def __post_init__(self):
        if self.state_fractions is not None:
            f = self.state_fractions
            finite = all(math.isfinite(v) and v >= 0 for v in f.values())
            if not f or not finite or not math.isclose(sum(f.values()), 1.0, rel_tol=0.0, abs_tol=1e-9):
                raise LepreintError(f"a model's state fractions must be >= 0 and add up to 1; got {f}")
        if self.llp_ids and self.decayed_llp_ids:
            raise LepreintError("a model's LLPs are either decayed by lepreint (llp_ids) or by Pythia, not both")


#: columns of the visible final-state particles of ``TruthChunk.vis``
VIS_COLUMNS = ("pdg", "px", "py", "pz", "e", "vx", "vy", "vz", "vt", "mother", "llp")
#: columns of ``TruthChunk.llps`` (decay vertex, c t and mode NaN / -1 for an LLP Pythia left undecayed)
LLP_COLUMNS = ("pdg", "mass", "px", "py", "pz", "e", "vx", "vy", "vz", "vt", "dx", "dy", "dz", "dt", "ctau", "mode")
_NO_DECAY = (np.nan, np.nan, np.nan, np.nan, np.nan, -1)


@dataclass
class TruthChunk:
    """Extracted final states of a run of events (flat arrays + per-event offsets)."""

    weights: list[float] = field(default_factory=list)
    # visible final-state particles (``VIS_COLUMNS``): mother's pdg and the index of the long-lived ancestor
    # among the event's LLPs (-1: none) for leptons above ``LEPTON_MIN_PT``
    vis: list[np.ndarray] = field(default_factory=list)
    inv: list[tuple[float, float]] = field(default_factory=list)
    # LLPs (``LLP_COLUMNS``)
    llps: list[np.ndarray] = field(default_factory=list)
    # every invisible final-state particle (pdg, px, py, pz, e), only kept for HepMC export
    inv_particles: list[np.ndarray] = field(default_factory=list)
    tried: int = 0
    sum_weights_tried: float = 0.0
    #: events Pythia returned with a long-lived particle it should have decayed left undecayed (an R-hadron whose
    #: decay failed, about 1 in 1000 top-squark events): redrawn, as Pythia's own failures are
    undecayed_redrawn: int = 0
    #: the generated weight per state (``PythiaSetup.state_fractions``; before any filter)
    tried_by_state: dict[int, float] = field(default_factory=dict)


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
        self.decayed_ids = frozenset(abs(i) for i in setup.decayed_llp_ids)
        self.filter = setup.filter
        self.state_fractions = setup.state_fractions

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
        decayed_ids = self.decayed_ids
        min_pt2 = LEPTON_MIN_PT**2
        inv_ids = INVISIBLE_PDG
        cmm = C_MM_PER_NS
        failures = undecayed_in_row = 0
        fractions = self.state_fractions
        tried_by_state = out.tried_by_state
        while out.tried < n_tried:
            if not py.next():
                # Pythia's own failure: not an event, retried (Pythia counts it in its statistics)
                failures += 1
                if failures > MAX_FAILURES:
                    raise LepreintError(f"Pythia failed {failures} times in a row; check the model settings")
                continue
            w = py.infoPython().weight()  # (an Info obtained once can hold stale per-event values)
            ev = py.event
            vis, llps, invp = [], [], []
            cands, lep_rows = [], []
            ipx = ipy = 0.0
            undecayed = False
            for i in range(ev.size()):
                p = ev[i]
                if not p.isFinal():
                    if decayed_ids and p.idAbs() in decayed_ids and p.tau() > 0:
                        cands.append(i)
                    continue
                pid = p.id()
                a = pid if pid > 0 else -pid
                if decayed_ids and a in decayed_ids:
                    # Pythia left a particle it decays undecayed: not an event of the model (its stop would stand
                    # as an LLP with a decay that did not happen, the R-hadron as a visible particle)
                    undecayed = True
                    break
                if a in llp_ids:
                    llps.append(
                        (
                            pid,
                            p.m(),
                            p.px(),
                            p.py(),
                            p.pz(),
                            p.e(),
                            p.xProd(),
                            p.yProd(),
                            p.zProd(),
                            p.tProd() / cmm,
                            *_NO_DECAY,
                        )
                    )
                elif a in inv_ids or not p.isVisible():
                    px, pyy = p.px(), p.py()
                    ipx += px
                    ipy += pyy
                    if keep_invisible:
                        invp.append((pid, px, pyy, p.pz(), p.e()))
                elif a == 11 or a == 13:
                    px, pyy = p.px(), p.py()
                    if decayed_ids and px * px + pyy * pyy > min_pt2:
                        lep_rows.append((len(vis), i))
                    vis.append(
                        (
                            pid,
                            px,
                            pyy,
                            p.pz(),
                            p.e(),
                            p.xProd(),
                            p.yProd(),
                            p.zProd(),
                            p.tProd() / cmm,
                            ev[p.mother1()].id(),
                            -1,
                        )
                    )
                else:
                    vis.append((pid, p.px(), p.py(), p.pz(), p.e(), 0.0, 0.0, 0.0, 0.0, 0, -1))
            if undecayed:
                out.undecayed_redrawn += 1
                undecayed_in_row += 1
                if undecayed_in_row > MAX_FAILURES:
                    raise LepreintError(
                        f"Pythia left a long-lived particle it should decay undecayed in {undecayed_in_row} events in "
                        "a row; check the model settings"
                    )
                continue
            failures = undecayed_in_row = 0
            out.tried += 1
            if tick is not None and out.tried % 20 == 0:
                tick(20)
            out.sum_weights_tried += w
            if cands:
                carriers = _carriers(ev, cands)
                base = len(llps)  # the event's LLP list: any kept undecayed first, then the carriers
                llps += [_decayed_llp(ev, c, decayed_ids, cmm) for c in carriers]
                for row, i in lep_rows:
                    j = _llp_ancestor(ev, i, set(cands), carriers)
                    if j is not None:
                        vis[row] = (*vis[row][:-1], base + carriers.index(j))
            vis_a = np.array(vis, dtype=float).reshape(-1, len(VIS_COLUMNS))
            if fractions is not None:
                state = abs(int(llps[0][0])) if llps else 0
                if state not in fractions:
                    raise LepreintError(
                        f"Pythia produced an event whose long-lived particle ({state or 'none'}) is not among the "
                        f"states the sample is weighted to ({', '.join(str(k) for k in sorted(fractions))})"
                    )
                tried_by_state[state] = tried_by_state.get(state, 0.0) + w
            if self.filter is not None and not self.filter(vis_a):
                continue
            out.weights.append(w)
            out.vis.append(vis_a)
            out.inv.append((ipx, ipy))
            out.llps.append(np.array(llps, dtype=float).reshape(-1, len(LLP_COLUMNS)))
            if keep_invisible:
                out.inv_particles.append(np.array(invp, dtype=float).reshape(-1, 5))
        return out


def state_weights(fractions: dict[int, float], tried: dict[int, float], events: int) -> dict[int, float]:
    """{state: the factor of its events' weights} giving a sample of ``events`` generated events (``tried``: their
    weight per state) the composition ``fractions``; the sum of weights over the generated events is unchanged."""
    total = sum(tried.values())
    missing = [k for k, f in fractions.items() if f > 0 and tried.get(k, 0.0) <= 0]
    if missing:
        raise LepreintError(
            f"{events} generated events hold no event of state(s) {', '.join(map(str, missing))}: too few to give "
            f"the sample its composition (generate more events)"
        )
    return {k: fractions[k] * total / w for k, w in tried.items()}


def _carriers(ev, cands: list[int]) -> list[int]:
    """The carriers of a lifetime among the candidates (LLP ids with tau > 0): those whose line of descent
    holds no other candidate (a sparticle's shower copies and the sparticle that forms an R-hadron are not)."""
    cset = set(cands)
    out = []
    for c in cands:
        if not any(d in cset for d in ev[c].daughterList()):
            out.append(c)
    return out


def _decayed_llp(ev, c: int, decayed_ids: frozenset, cmm: float) -> tuple:
    """One row of ``LLP_COLUMNS`` for the carrier ``c``: its decay vertex, proper decay length c t = tau (mm) and
    mode (|pdg| of a charged lepton among its decay products, or those of the sparticle re-emerging from an
    R-hadron; 0 for none)."""
    p = ev[c]
    mode = 0
    kids = list(p.daughterList())
    for d in list(kids):
        if ev[d].idAbs() in decayed_ids:  # the sparticle inside an R-hadron: its own decay products
            kids += list(ev[d].daughterList())
    for d in kids:
        a = ev[d].idAbs()
        if a in (11, 13, 15):
            mode = max(mode, a)
    return (
        p.id(),
        p.m(),
        p.px(),
        p.py(),
        p.pz(),
        p.e(),
        p.xProd(),
        p.yProd(),
        p.zProd(),
        p.tProd() / cmm,
        p.xDec(),
        p.yDec(),
        p.zDec(),
        p.tDec() / cmm,
        p.tau(),
        mode,
    )


def _llp_ancestor(ev, i: int, cands: set, carriers: list[int]) -> int | None:
    """The carrier particle ``i`` descends from, or None.  All mothers are searched (a string hadron has the
    string's partons as mothers, and its first mother need not be the heavy quark it carries); the search stops
    at any candidate, so a gluon radiated by the sparticle before it hadronised is prompt.  If two carriers are
    found (a string joining two decay systems), the one along the first-mother line wins."""
    found = set()
    seen = {i}
    front = [i]
    while front:
        k = front.pop()
        for m in ev[k].motherList():
            if m <= 0 or m in seen:
                continue
            seen.add(m)
            if m in cands:
                if m in carriers:
                    found.add(m)
            else:
                front.append(m)
    if not found:
        return None
    if len(found) == 1:
        return found.pop()
    j = ev[i].mother1()
    while j > 0:
        if j in found:
            return j
        j = ev[j].mother1()
    return min(found)


def hard_process_run(setup: PythiaSetup, ecm: float, seed: int) -> PythiaRun:
    """A Pythia instance of a model's hard process alone at ``ecm`` (GeV): no showers, no hadronisation, resonances
    undecayed (``run.py.next()`` per event; close it after use)."""
    hard = PythiaSetup(
        [*list(setup.settings), "PartonLevel:all = off", "HadronLevel:all = off", "ProcessLevel:resonanceDecays = off"],
        setup.slha,
        setup.llp_ids,
    )
    return PythiaRun(hard, ShowerOptions(ecm=ecm, mpi=False, isr=False, fsr=False, hadronisation=False), seed)


def lo_cross_section(setup: PythiaSetup, ecm: float, events: int = 4000, seed: int = 1) -> tuple[float, float]:
    """Pythia's leading-order cross section (fb, and its error) of a model's hard process at ``ecm`` (GeV).

    Hard process only (no showers, no hadronisation, resonances undecayed): ~1 s.  Used to carry a
    tabulated higher-order cross section to an energy without a table (the K-factor at the table's
    energy times the LO cross section at the new one).
    """
    run = hard_process_run(setup, ecm, seed)
    try:
        for _ in range(events):
            run.py.next()
        return run.sigma_fb(), run.sigma_err_fb()
    finally:
        run.close()
