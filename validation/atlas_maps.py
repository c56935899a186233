"""Make ``lepreint/data/atlas_susy_2018_14/radius_maps.json``: ATLAS's (pT, |d0|) lepton efficiency maps read as
efficiencies in (pT, production radius), unfolded with lepreint's simulation of the maps' own samples (selectrons
and smuons of 400 GeV and 1 ns, as ATLAS's HEPData tables t14 and t15 say); and ``radius_d0_maps.json``: the same
maps read as a product a(pT) h(radius) g(|d0|), fitted with the same simulation (``fit_radius_and_d0``).

Why: a map in |d0| alone averages over where its sample's leptons were produced; at 1 ns, a lepton with |d0| of
a few mm mostly comes from a decay tens of cm out, where fewer silicon layers remain and standard tracking does
not reach, so the map's first bin is lower than what a lepton produced inside the pixel detector sees.  Read as a
function of the production radius, the same map applies to any lifetime.  ATLAS's efficiency depends on |d0| at a
given radius too (at 10 ns it reconstructs the light sleptons' electrons, of small |d0| for their radius, more
often than the heavy ones'): the product carries both.

``python -m validation.atlas_maps`` (a few minutes; the samples are cached).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import awkward as ak
import numpy as np

EVENTS, OVERSAMPLING, SEEDS = 20_000, 10, {"e": 4141, "mu": 4142}
R_EDGES = np.arange(0.0, 301.0, 50.0)


def map_leptons(flavour: str):
    """(ATLAS's published map, and the pT, |d0| and production radius of the leptons of lepreint's simulation of
    the map's own sample that its denominator counts: generator-level, above 65 GeV, |d0| > 3 mm, inside |eta|)."""
    from lepreint.detector.efficiency import PtD0Map
    from lepreint.detector.simulate import Detector
    from lepreint.events.generation.engine import build_request, generate

    det = Detector("atlas_run2", d0_first_bin="flat", map_variable="d0")
    req = build_request(
        model="slepton",
        parameters={"mslep": 400.0, "ctau": 299.792458},
        events=EVENTS,
        seed=SEEDS[flavour],
        oversampling=OVERSAMPLING,
        options={"flavour": flavour},
    )
    ev = generate(req, workers=2, progress=False).events
    prep = det.prepare(ev, np.random.default_rng(0))
    vx, vy = (ak.to_numpy(ak.flatten(ev.leptons[f])) for f in ("vx", "vy"))
    d0 = np.abs(det.impact_parameter(prep, vx, vy))
    fl_id = 11 if flavour == "e" else 13
    eta_max = 2.47 if flavour == "e" else 2.5
    sel = (prep.apdg == fl_id) & (prep.pt > 65.0) & (np.abs(prep.eta) < eta_max) & (d0 > 3.0) & (prep.llp >= 0)
    return PtD0Map.atlas_susy_2018_14(flavour, "flat"), prep.pt[sel], d0[sel], np.hypot(vx, vy)[sel]


def main() -> Path:
    from lepreint import __version__
    from lepreint.detector.efficiency import fit_radius_and_d0, unfold_in_radius

    out: dict = {
        "source": "ATLAS SUSY-2018-14, HEPData ins1831504 v2 tables t14 (electrons) and t15 (muons), unfolded in "
        "production radius with lepreint's simulation of the maps' samples (400 GeV selectrons and smuons, 1 ns): "
        "validation/atlas_maps.py",
        "lepreint_version": __version__,
        "events": EVENTS,
        "oversampling": OVERSAMPLING,
        "seeds": SEEDS,
        "r_edges_mm": R_EDGES.tolist(),
    }
    both = {
        **out,
        "source": "ATLAS SUSY-2018-14, HEPData ins1831504 v2 tables t14 (electrons) and t15 (muons), read as "
        "a(pT) h(production radius) g(|d0|), fitted with lepreint's simulation of the maps' samples (400 GeV "
        "selectrons and smuons, 1 ns): validation/atlas_maps.py",
    }
    for fl, key in (("e", "electron"), ("mu", "muon")):
        m, pt, d0, r = map_leptons(fl)
        vals = unfold_in_radius(m.values, m.pt_edges, m.d0_edges, R_EDGES, pt, d0, r)
        out["pt_edges_GeV"] = m.pt_edges.tolist()
        out[key] = np.round(vals, 5).tolist()
        a, h, g = fit_radius_and_d0(m.values, m.pt_edges, m.d0_edges, R_EDGES, pt, d0, r)
        both["pt_edges_GeV"], both["d0_edges_mm"] = m.pt_edges.tolist(), m.d0_edges.tolist()
        both[key] = {"a": np.round(a, 5).tolist(), "h": np.round(h, 5).tolist(), "g": np.round(g, 5).tolist()}
    folder = Path(str(resources.files("lepreint").joinpath("data/atlas_susy_2018_14")))
    (folder / "radius_maps.json").write_text(json.dumps(out, indent=1) + "\n")
    (folder / "radius_d0_maps.json").write_text(json.dumps(both, indent=1) + "\n")
    return folder


#: how each reading of the maps is asked of the detector (their fit to the maps: ``validation.atlas``, records
#: ``atlas_maps.``)
READINGS = ("d0", "production_radius", "radius_and_d0")


if __name__ == "__main__":
    print(main())
