"""A Pythia 8 event record converted to HepMC3 the way Pythia's own HepMC3 interface does it, written by pyhepmc.

This is *not* lepreint's writer: vertices are made from each particle's mother list (one vertex per set of
mothers, at the first daughter's production point), and the event is filled with ``GenEvent.add_tree`` from
the beam particles, which stores vertices in topological order.  After HepMC3 reads such a file back, the
vertex ids are not in storage order (the case lepreint's reader once got wrong).

``write_pythia_hepmc`` also returns the truth the test compares against, straight from the Pythia record:
every final-state electron and muon (momentum, production vertex, whether it descends from an LLP) and every
decaying LLP (momentum, production and decay vertex, proper decay length ``tau()`` in mm).
"""

from __future__ import annotations

import numpy as np
import pyhepmc

from lepreint.events.generation.pythia import PythiaRun, ShowerOptions


def _row(p):
    return (p.id(), p.px(), p.py(), p.pz(), p.e())


def write_pythia_hepmc(
    path, setup, events: int, seed: int = 7, shower: ShowerOptions | None = None, llp_ids=frozenset({1000024})
) -> dict:
    run = PythiaRun(setup, shower or ShowerOptions(mpi=False), seed)
    py = run.py
    truth = {"leptons": [], "llps": []}
    try:
        with pyhepmc.open(path, "w") as f:
            for iev in range(events):
                while not py.next():
                    pass
                ev = py.event
                n = ev.size()
                parts = []
                for i in range(n):
                    p = ev[i]
                    gp = pyhepmc.GenParticle((p.px(), p.py(), p.pz(), p.e()), p.id(), p.statusHepMC())
                    gp.generated_mass = p.m()
                    parts.append(gp)
                beams, vertices = [], []  # particles hold their vertices weakly: keep them alive here
                for i in range(1, n):  # entry 0 is Pythia's "system" line, not a particle
                    p = ev[i]
                    mothers = [m for m in p.motherList() if m > 0]
                    if not mothers:
                        beams.append(parts[i])
                        continue
                    vtx = parts[mothers[0]].end_vertex
                    if vtx is None:
                        vtx = pyhepmc.GenVertex()
                        vertices.append(vtx)
                        for m in mothers:
                            vtx.add_particle_in(parts[m])
                    pos = (p.xProd(), p.yProd(), p.zProd(), p.tProd())
                    if any(pos) and not vtx.has_set_position():
                        vtx.position = pyhepmc.FourVector(*pos)
                    vtx.add_particle_out(parts[i])
                e = pyhepmc.GenEvent(pyhepmc.Units.GEV, pyhepmc.Units.MM)
                e.event_number = iev
                e.add_tree(beams)
                info = py.infoPython()
                e.weights = [info.weight()]
                xs = pyhepmc.GenCrossSection()
                xs.set_cross_section(info.sigmaGen() * 1e9, info.sigmaErr() * 1e9)
                e.cross_section = xs
                f.write(e)
                leps, llps = [], []
                for i in range(1, n):
                    p = ev[i]
                    a = abs(p.id())
                    if p.isFinal() and a in (11, 13):
                        from_llp, m = False, p.mother1()
                        while m > 0 and not from_llp:  # up the first-mother line (radiating copies, taus)
                            from_llp = abs(ev[m].id()) in llp_ids
                            m = ev[m].mother1()
                        leps.append((*_row(p), p.xProd(), p.yProd(), p.zProd(), float(from_llp)))
                    # the decaying copy of an LLP (its daughters are not copies of it)
                    if a in llp_ids and p.status() < 0 and all(abs(ev[d].id()) != a for d in p.daughterList()):
                        llps.append((*_row(p), p.xProd(), p.yProd(), p.zProd(), p.xDec(), p.yDec(), p.zDec(), p.tau()))
                truth["leptons"].append(np.array(leps, dtype=float).reshape(-1, 9))
                truth["llps"].append(np.array(llps, dtype=float).reshape(-1, 12))
        truth["sigma_fb"] = run.sigma_fb()
    finally:
        run.close()
    return truth
