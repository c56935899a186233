"""The two-leading-leptons selection (ATLAS SUSY-2018-14's recipe) and ATLAS's (pT, |d0|) maps."""

import awkward as ak
import numpy as np
import pytest

from lepreint.analysis.leading_pair import select_leading_pair
from lepreint.analysis.yields import signal_yields
from lepreint.config.cards import analysis_config
from lepreint.detector.efficiency import PtD0Map
from lepreint.detector.simulate import Detector
from lepreint.errors import LepreintError


def _events(leptons):
    """Slim-event rows of leptons given as (pdg, pt, eta, phi, vx, vy)."""
    rows = []
    for row in leptons:
        recs = []
        for pdg, pt, eta, phi, vx, vy in row:
            px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
            recs.append(
                {
                    "pdg": pdg,
                    "px": px,
                    "py": py,
                    "pz": pz,
                    "e": float(np.sqrt(px**2 + py**2 + pz**2)),
                    "vx": vx,
                    "vy": vy,
                    "vz": 0.0,
                    "vt": 0.0,
                    "llp": 0,
                    "iso02": 0.0,
                    "iso03": 0.0,
                    "iso04": 0.0,
                }
            )
        rows.append(recs)
    n = len(rows)
    return ak.zip(
        {
            "leptons": ak.Array(rows),
            "jets": ak.Array([[{"px": 1.0, "py": 0.0, "pz": 0.0, "e": 1.0}] for _ in range(n)]),  # soft: dropped
            "weight": np.ones(n),
            "event": np.arange(n),
            "inv_px": np.zeros(n),
            "inv_py": np.zeros(n),
        },
        depth_limit=1,
    )


def test_maps_first_bin_and_edges():
    flat = PtD0Map.atlas_susy_2018_14("e", "flat")
    lin = PtD0Map.atlas_susy_2018_14("e", "linear")
    assert flat(100.0, 25.0) == pytest.approx(0.49166)  # HEPData t14, (100 GeV, 25 mm)
    assert flat(100.0, 4.0) == flat(100.0, 49.0)
    d = np.linspace(3.0, 50.0, 2001)
    assert lin(np.full(d.size, 100.0), d).mean() == pytest.approx(0.49166, rel=1e-3)  # the bin's mean kept
    assert lin(100.0, 4.0) > lin(100.0, 49.0)
    assert flat(100.0, 310.0) == 0.0 and flat(50.0, 25.0) == 0.0  # beyond the maps
    assert flat(5000.0, 25.0) == pytest.approx(0.30969)  # overflow in pT: the last bin
    assert flat(450.0, 175.0) == 0.0  # a cell the table leaves out


def test_leading_two_regions_by_flavour_trigger_and_efficiency():
    cfg = analysis_config("atlas_susy_2018_14")
    det = Detector("atlas_run2", d0_first_bin="flat", map_variable="d0")
    # displaced along y, leptons along x: |d0| = |vy| (straight enough at these momenta)
    ev = _events(
        [
            [(11, 200.0, 0.1, 0.0, 0.0, 10.0), (-11, 150.0, -0.3, 2.0, 0.0, -20.0)],  # ee, fires the 160 GeV leg
            [(11, 100.0, 0.1, 0.0, 0.0, 10.0), (-13, 120.0, 0.5, 2.0, 0.0, -20.0)],  # emu, mu fires (|eta| < 1.07)
            [(11, 100.0, 0.1, 0.0, 0.0, 10.0), (-13, 120.0, 1.5, 2.0, 0.0, -20.0)],  # emu, no trigger leg fires
            [(13, 300.0, 0.1, 0.0, 0.0, 1.0), (-13, 150.0, 0.2, 2.0, 0.0, 50.0)],  # a muon below 3 mm
            [(13, 300.0, 0.1, 0.0, 0.0, 10.0), (-13, 150.0, 0.2, 0.1, 0.0, 60.0)],  # Delta R = 0.14 < 0.2
        ]
    )
    prep = det.prepare(ev, np.random.default_rng(1))
    vx, vy, vz = (ak.to_numpy(ak.flatten(ev.leptons[f])) for f in ("vx", "vy", "vz"))
    d0 = det.impact_parameter(prep, vx, vy)
    eff = det.efficiency(prep, vx, vy, vz, d0)
    sel = select_leading_pair(prep, d0, eff, cfg, np.hypot(vx, vy), vz)
    assert sel.acceptance.tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0]]
    e, m = det.d0_eff[11], det.d0_eff[13]
    assert sel.region_prob[0, 0] == pytest.approx(e(200.0, 10.0) * e(150.0, 20.0), rel=1e-3)
    assert sel.region_prob[1, 2] == pytest.approx(e(100.0, 10.0) * m(120.0, 20.0), rel=1e-3)
    # the cutflow in ATLAS's order, per region: each step a subset of the one before
    cf = sel.cutflow
    assert cf["trigger, two leptons in |eta|"].tolist() == [1, 1, 0, 1, 1]
    assert cf["SR-mumu: two leading are mumu"].tolist() == [0, 0, 0, 1, 1]
    assert cf["SR-mumu: pT"].tolist() == [0, 0, 0, 1, 1]
    assert cf["SR-mumu: |d0|"].tolist() == [0, 0, 0, 0, 1]  # 1 mm < 3 mm
    assert cf["SR-mumu: Delta R"].tolist() == [0, 0, 0, 0, 0]
    assert cf["SR-ee: Delta R"].tolist() == [1, 0, 0, 0, 0] == sel.acceptance[:, 0].tolist()
    assert cf["SR-emu: Delta R"].tolist() == [0, 1, 0, 0, 0]
    assert cf["SR-ee: selected"] == pytest.approx(sel.region_prob[:, 0])


def test_emu_selection_refuses_a_leading_two_card():
    from lepreint.analysis.selection import select

    with pytest.raises(LepreintError, match="two leading"):
        select(None, analysis_config("atlas_susy_2018_14"))


def test_selectron_yields_carry_acceptance_and_efficiency():
    from lepreint.events.generation.engine import GenerationRequest, generate
    from lepreint.events.generation.pythia import ShowerOptions

    req = GenerationRequest(
        "slepton", {"mslep": 300.0, "ctau": 30.0}, 300, seed=2, oversampling=4, shower=ShowerOptions(mpi=False)
    )
    y = signal_yields(generate(req, cache=False), "atlas_susy_2018_14", Detector("atlas_run2"))
    assert y.regions == ["SR-ee", "SR-mumu", "SR-emu"]
    assert 0.2 < y.acceptance[0] < 0.5 and y.acceptance[1] == 0.0  # ATLAS: 0.37 at 300 GeV, 0.1 ns
    assert 0.0 < y.efficiency[0] < y.acceptance[0]
    assert y.S[0] == pytest.approx(139.0 * y.xsec_fb * y.efficiency[0])
    assert y.options["map_variable"] == "radius_and_d0" and y.options["detector"] == "atlas_run2"


def test_radius_maps_reproduce_the_published_maps_on_their_own_sample():
    """The maps read in production radius give back ATLAS's |d0| maps on 400 GeV, 1 ns sleptons (the unfolding's
    own sample, another seed), and more efficiency close to the beam line than the |d0| reading."""
    from lepreint.detector.efficiency import PtRMap

    e = PtRMap.atlas_susy_2018_14("e")
    d0map = PtD0Map.atlas_susy_2018_14("e", "flat")
    assert np.all((e.values >= 0) & (e.values <= 1))
    assert np.all(np.diff(e.values, axis=1) <= 1e-9)  # non-increasing in radius
    assert np.all(e.values[:3, 0] > d0map.values[:3, 0])  # r < 5 cm above the |d0| < 5 cm bin average
    assert e(100.0, 400.0) == 0.0 and e(30.0, 10.0) == 0.0


def test_rows_without_leptons_and_a_trigger_lepton_outside_the_record():
    """Rows without any lepton (hadronic staus) are selected as nothing, with every cutflow step (they stopped the
    selection with an IndexError); a muon produced beyond the truth volume (r > 4.25 m) is not in the generator-level
    record ATLAS's acceptance reads, so it fires no trigger either."""
    cfg = analysis_config("atlas_susy_2018_14")
    det = Detector("atlas_run2")
    ev = _events(
        [
            [(11, 100.0, 0.1, 0.0, 0.0, 10.0), (-11, 90.0, 0.3, 2.0, 0.0, -20.0), (13, 300.0, 0.5, 1.0, 0.0, 5000.0)],
            [(11, 100.0, 0.1, 0.0, 0.0, 10.0), (-11, 90.0, 0.3, 2.0, 0.0, -20.0), (13, 300.0, 0.5, 1.0, 0.0, 500.0)],
        ]
    )

    def select(events):
        prep = det.prepare(events, np.random.default_rng(1))
        vx, vy, vz = (ak.to_numpy(ak.flatten(events.leptons[f])) for f in ("vx", "vy", "vz"))
        d0 = det.impact_parameter(prep, vx, vy)
        return select_leading_pair(prep, d0, det.efficiency(prep, vx, vy, vz, d0), cfg, np.hypot(vx, vy), vz)

    full = select(ev)
    # the two electrons (above 60 GeV) fire the ee leg in both rows; with one electron only, the muon's leg fires
    # where the muon is recorded (produced at 500 mm), not at 5 m
    assert full.cutflow["trigger"].tolist() == [1, 1]
    only_mu = _events(
        [[(13, 300.0, 0.5, 1.0, 0.0, 5000.0), (11, 30.0, 0.1, 0.0, 0.0, 10.0)],
         [(13, 300.0, 0.5, 1.0, 0.0, 500.0), (11, 30.0, 0.1, 0.0, 0.0, 10.0)]]
    )  # fmt: skip
    assert select(only_mu).cutflow["trigger"].tolist() == [0, 1]
    empty = select(ev[ak.num(ev.leptons) < 0])  # no rows
    assert empty.acceptance.shape == (0, 3)
    none = ak.with_field(ev, ev.leptons[:, :0], "leptons")  # rows without leptons
    sel = select(none)
    assert sel.acceptance.tolist() == [[0, 0, 0], [0, 0, 0]] and set(sel.cutflow) == set(full.cutflow)
