"""The detector acting on slim events."""

import awkward as ak
import numpy as np
import pytest

from lepreint.detector.simulate import Detector, resolution


def _events(leptons):
    return ak.Array(
        {
            "event": [0],
            "copy": [0],
            "weight": [1.0],
            "leptons": [leptons],
            "jets": [[{"px": -30.0, "py": 0.0, "pz": 0.0, "e": 30.0}]],
            "inv_px": [5.0],
            "inv_py": [-2.0],
            "vis_px": [1.0],
            "vis_py": [1.0],
        }
    )


def _lep(pdg, pt, vx=0.0, vy=0.0, vz=0.0, eta=0.0, phi=0.0, iso=0.0):
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return {
        "pdg": pdg,
        "charge": int(-np.sign(pdg)),
        "px": px,
        "py": py,
        "pz": pz,
        "e": np.sqrt(px**2 + py**2 + pz**2),
        "vx": vx,
        "vy": vy,
        "vz": vz,
        "vt": 0.0,
        "llp": 0,
        "iso02": iso,
        "iso03": iso,
        "iso04": iso,
    }


def test_efficiency_acceptance_and_d0():
    det = Detector("cms_run2")
    ev = _events(
        [
            _lep(11, 30.0),  # prompt electron: 0.9025 x 0.8926
            _lep(-13, 30.0, vx=0.0, vy=5.0),  # displaced muon, d0 ~ 5 mm: 0.9405 x 0.9564
            _lep(13, 30.0, eta=2.45),  # outside |eta| < 2.4: lost
            _lep(-11, 30.0, vx=1500.0),  # produced outside the tracker: lost
        ]
    )
    reco = det.simulate(ev, np.random.default_rng(1))
    lep = reco.leptons[0]
    assert len(lep) == 2
    assert lep.eff[0] == pytest.approx(0.9025 * 0.8926)
    assert lep.d0[1] == pytest.approx(5.0, rel=1e-3) and lep.eff[1] == pytest.approx(0.9405 * 0.9564)
    assert reco.met[0].tolist() == [5.0, -2.0]
    assert ak.num(reco.jets)[0] == 1
    assert det.options()["d0_extrapolation"] == "linear_to_zero"


def test_d0_extrapolation_is_a_named_option():
    ev = _events([_lep(11, 30.0, vx=0.0, vy=50.0)])  # d0 = 5 cm
    eff = {
        m: Detector("cms_run2", d0_extrapolation=m).simulate(ev, np.random.default_rng(1)).leptons.eff
        for m in ("linear_to_zero", "flat", "zero")
    }
    assert ak.flatten(eff["flat"])[0] == pytest.approx(0.9025 * 0.1754)
    assert ak.flatten(eff["linear_to_zero"])[0] == pytest.approx(0.9025 * 0.1754 * 50 / 80)
    assert len(ak.flatten(eff["zero"])) == 0


def test_resolution_forms():
    assert resolution({"form": "tracker", "a": 0.01, "b": 1e-4}, np.array([100.0]))[0] == pytest.approx(
        np.hypot(0.01, 0.01)
    )
    assert resolution({"form": "stochastic", "a": 0.0, "b": 1.0}, np.array([100.0]))[0] == pytest.approx(0.1)
    assert resolution({"form": "none"}, np.array([5.0]))[0] == 0.0


def test_detector_level_isolation_filter(tmp_path):
    import yaml

    from lepreint.config.cards import find_card

    d = yaml.safe_load(open(find_card("cms_run2", "detector")))
    d["muon"]["isolation_filter"] = {"cone": 0.4, "max": 0.25}
    p = tmp_path / "delphes_like.yaml"
    p.write_text(yaml.safe_dump(d))
    ev = _events([_lep(13, 20.0, iso=2.0), _lep(11, 20.0, iso=2.0)])  # iso sums of 2 GeV: 0.1 relative
    assert len(Detector(p).simulate(ev, np.random.default_rng(1)).leptons[0]) == 2
    ev = _events([_lep(13, 20.0, iso=6.0), _lep(11, 20.0, iso=6.0)])  # 0.3 relative: the muon is dropped
    lep = Detector(p).simulate(ev, np.random.default_rng(1)).leptons[0]
    assert ak.to_list(abs(lep.pdg)) == [11]
    assert Detector(p).options()["isolation_filter"]["mu"] == {"cone": 0.4, "max": 0.25}


def test_jets_overlapping_a_lepton_are_removed():
    ev = ak.Array(
        {
            "event": [0],
            "copy": [0],
            "weight": [1.0],
            "leptons": [[_lep(11, 30.0, phi=0.0)]],
            "jets": [
                [
                    {"px": 40.0, "py": 4.0, "pz": 0.0, "e": 40.3},  # dR ~ 0.1 from the electron: removed
                    {"px": -40.0, "py": 0.0, "pz": 0.0, "e": 40.0},
                ]
            ],  # back to back: kept
            "inv_px": [0.0],
            "inv_py": [0.0],
            "vis_px": [0.0],
            "vis_py": [0.0],
        }
    )
    reco = Detector("cms_run2").simulate(ev, np.random.default_rng(1))
    assert ak.num(reco.jets)[0] == 1 and abs(reco.jets.phi[0][0]) > 3
