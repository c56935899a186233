"""``LifetimeScan`` (c tau-independent work done once) gives the numbers of the reference chain
``resample`` -> ``Detector.simulate`` -> ``select`` -> features -> network, whatever the card options."""

import dataclasses

import numpy as np
import pytest
import yaml

from lepreint.analysis.projection import nn_signal
from lepreint.analysis.yields import signal_yields
from lepreint.classifier.network import load_classifier
from lepreint.config.cards import analysis_config, find_card
from lepreint.detector.simulate import Detector
from lepreint.errors import LepreintError
from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions
from lepreint.events.lifetime import LifetimeError, resample
from lepreint.results.fast_scan import LifetimeScan

CTAUS = (0.3, 10.0, 250.0, 3000.0)


@pytest.fixture(scope="module")
def sample():
    # Eq. (2.16) decays: taus and pions give third leptons and jets around the e-mu pair
    return generate(
        GenerationRequest(
            "coscattering",
            {"mc": 324, "dm": 40, "ctau": 10.0},
            300,
            5,
            20,
            {"decays": "eq2.16"},
            ShowerOptions(mpi=False),
            chunk_size=300,
        )
    )


@pytest.fixture(scope="module")
def clf():
    return load_classifier()


def _detector(tmp_path, **changes):
    d = yaml.safe_load(open(find_card("cms_run2", "detector")))
    for path, value in changes.items():
        node = d
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    p = tmp_path / "variant.yaml"
    p.write_text(yaml.safe_dump(d))
    return Detector(p)


def _agree(fast, ref):
    np.testing.assert_allclose(np.asarray(fast, float), np.asarray(ref, float), rtol=1e-12, atol=1e-15)


def _compare(sample, ana, det, clf, draws=3, seed=4):
    sc = LifetimeScan(sample, ana, det, clf, 0.9, draws, seed, "table")
    assert sc.supported, sc.reason
    for ctau in CTAUS:
        moved = resample(sample, ctau, draws, seed)
        fast = sc.evaluate(ctau)
        y = signal_yields(moved, ana, det, "table")
        _agree(fast.S, y.S)
        _agree(fast.S_err, y.S_err)
        if clf is not None:
            nn = nn_signal(moved, clf, 0.9, ana, det, "table")
            _agree(fast.S_nn, nn.S_nn)
            _agree(fast.S_nn_err, nn.S_nn_err)
            _agree(fast.S, nn.S)
    return sc


def test_default_cards_with_and_without_the_network(sample, clf):
    ana, det = analysis_config("soft_displaced_emu"), Detector("cms_run2")
    sc = _compare(sample, ana, det, clf)
    assert sum(sc.evaluate(10.0).S) > 0
    _compare(sample, ana, det, None)


def _with_third_muons(sample):
    """Each row with a jet and an LLP gains a 15 GeV muon along its leading jet, produced at the first LLP's
    decay vertex: whether that jet enters the features then depends on c tau."""
    import awkward as ak

    from lepreint.events.slim import Sample

    ev = sample.events
    ok = (ak.num(ev.jets) > 0) & (ak.num(ev.llps) > 0) & (ak.num(ev.leptons) > 0)
    ev = ev[ok]
    j, lep, llp = ev.jets[:, 0], ev.leptons[:, 0], ev.llps[:, 0]
    scale = 15.0 / np.hypot(j.px, j.py)
    mu = {f: lep[f] for f in ak.fields(ev.leptons)}
    mu.update(
        pdg=ak.values_astype(13 * ak.ones_like(lep.pdg), np.int32),
        charge=ak.values_astype(-ak.ones_like(lep.charge), np.int8),
        px=j.px * scale,
        py=j.py * scale,
        pz=j.pz * scale,
        e=j.e * scale,
        vx=llp.dx,
        vy=llp.dy,
        vz=llp.dz,
        vt=llp.dt,
        llp=ak.values_astype(ak.zeros_like(lep.llp), np.int32),
    )
    extra = ak.unflatten(ak.zip(mu), 1)
    return Sample(ak.with_field(ev, ak.concatenate([ev.leptons, extra], axis=1), "leptons"), sample.meta, sample.path)


def test_third_leptons_that_remove_jets(sample, clf):
    """A muon along a jet removes that jet from the features only where it is reconstructed."""
    third = _with_third_muons(sample)
    sc = _compare(third, analysis_config("soft_displaced_emu"), Detector("cms_run2"), clf)
    assert np.count_nonzero(sc.n_third) > sc.n_third.size // 2


def test_detector_options(sample, clf, tmp_path):
    det = _detector(
        tmp_path,
        **{
            "tracker.d0_resolution": "0.02 mm",
            "tracker.d0_model": "straight",
            "d0_efficiency.combine_with_prompt": "d0_only",
            "d0_efficiency.beyond_10cm": "hold",
            "electron.isolation_filter": {"cone": 0.4, "max": 0.12},
        },
    )
    _compare(sample, analysis_config("soft_displaced_emu"), det, clf)


def test_analysis_options(sample, clf):
    ana = analysis_config("soft_displaced_emu")
    literal = dataclasses.replace(ana, d0_max_policy="literal")
    det = Detector("cms_run2", d0_beyond="unity")  # leptons beyond 10 cm identified: the literal policy acts
    _compare(sample, literal, det, clf)
    _compare(sample, dataclasses.replace(ana, opposite_charge=False), Detector("cms_run2"), None)


def test_the_searches_lepton_requirements(sample, clf):
    """The CMS 8 TeV search's requirements (e-mu separation, no jet at a lepton, the ECAL transition, the
    identifications' production radii) on the fast path as in the full chain."""
    ana = dataclasses.replace(
        analysis_config("soft_displaced_emu"),
        pair_min_dr=0.5,
        jet_veto_pt_min=10.0,
        jet_veto_dr=0.5,
        electron=dataclasses.replace(
            analysis_config("soft_displaced_emu").electron, eta_veto=(1.444, 1.566), max_production_radius=44.0
        ),
        muon=dataclasses.replace(analysis_config("soft_displaced_emu").muon, max_production_radius=102.0),
    )
    sc = _compare(sample, ana, Detector("cms_run2"), clf)
    # a third muon produced beyond its identification's radius is not identified, but still reconstructed: it
    # removes its jet from the network's features on both paths
    _compare(
        _with_third_muons(sample),
        dataclasses.replace(ana, muon=dataclasses.replace(ana.muon, max_production_radius=1.0)),
        Detector("cms_run2"),
        clf,
    )
    plain = LifetimeScan(sample, analysis_config("soft_displaced_emu"), Detector("cms_run2"), None, 0.9, 3, 4)
    for ctau in (10.0, 3000.0):
        # every requirement removes signal; at 3 m the production radii remove most of it
        assert sum(sc.evaluate(ctau).S) < sum(plain.evaluate(ctau).S)
    assert sum(sc.evaluate(3000.0).S) < 0.5 * sum(plain.evaluate(3000.0).S)


def test_objects_met_is_not_factorised(sample, clf, tmp_path):
    det = _detector(tmp_path, missing_pt="negative_objects_sum")
    sc = LifetimeScan(sample, analysis_config("soft_displaced_emu"), det, clf)
    assert not sc.supported and "missing pT" in sc.reason


def test_bad_input(sample):
    sc = LifetimeScan(sample, analysis_config("soft_displaced_emu"), Detector("cms_run2"))
    with pytest.raises(LifetimeError):
        sc.evaluate(0.0)
    with pytest.raises(LepreintError, match="sqrt"):
        LifetimeScan(sample, analysis_config("cms_8tev_emu"), Detector("cms_run2"))


def test_leading_pair_fast_path_equals_the_full_chain():
    """ATLAS's two-leading-lepton selection: every c tau on the fast path gives what resample + signal_yields give."""
    from lepreint.analysis.yields import signal_yields
    from lepreint.config.cards import analysis_config
    from lepreint.detector.simulate import Detector
    from lepreint.events.generation.engine import GenerationRequest, generate
    from lepreint.events.generation.pythia import ShowerOptions
    from lepreint.events.lifetime import resample
    from lepreint.results.fast_scan import LeadingPairScan

    req = GenerationRequest(
        "slepton",
        {"mslep": 300.0, "ctau": 100.0},
        150,
        seed=5,
        oversampling=3,
        options={"flavour": "tau"},
        shower=ShowerOptions(mpi=False),
    )
    sample = generate(req, cache=False)
    ana, det = analysis_config("atlas_susy_2018_14"), Detector("atlas_run2")
    fast = LeadingPairScan(sample, ana, det, draws=3, seed=4)
    for ctau in (3.0, 30.0, 300.0):
        y = fast.evaluate(ctau)
        ref = signal_yields(resample(sample, ctau, 3, 4), ana, det)
        assert y.S == pytest.approx(ref.S, rel=1e-9, abs=1e-12)
        assert y.S_err == pytest.approx(ref.S_err, rel=1e-9, abs=1e-12)
    assert sum(fast.evaluate(30.0).S) > 0  # staus fill the regions through their leptonic tau decays


def test_regions_as_boxes_in_both_leptons_d0_and_eta_phi_vetoes(sample):
    """CMS's full Run 2 region grid (boxes in the electron's and the muon's |d0|, the low-low box split by the leading
    lepton's pT) and a dead (eta, phi) region on the fast path as in the full chain; the boxes share the events of
    the smaller-|d0| intervals they cover."""
    from lepreint.config.cards import Region

    ana = analysis_config("soft_displaced_emu")
    lo, hi = (0.2, 0.5), (0.5, 100.0)
    boxes = dataclasses.replace(
        ana,
        regions=(
            Region("I lowpt", 0.2, 0.5, None, lo, lo, 0.0, 40.0),
            Region("I highpt", 0.2, 0.5, None, lo, lo, 40.0),
            Region("II", 0.2, 100.0, None, lo, hi),
            Region("III", 0.2, 100.0, None, hi, lo),
            Region("IV", 0.5, 100.0, None, hi, hi),
        ),
        electron=dataclasses.replace(ana.electron, eta_phi_veto=((0.3, 1.2, 0.4, 0.8),)),
    )
    _compare(sample, boxes, Detector("cms_run2"), None)
    # the same-flavour channels, with the other flavour vetoed above 100 um
    for pairing in ("ee", "mumu"):
        same = dataclasses.replace(boxes, pairing=pairing, veto_other_flavour_d0_min=0.1)
        sc_same = _compare(sample, same, Detector("cms_run2"), None)
        assert sum(sc_same.evaluate(1.0).S) > 0
    sc = LifetimeScan(sample, dataclasses.replace(boxes, electron=ana.electron), Detector("cms_run2"), None, 0.9, 3, 4)
    one_d = LifetimeScan(sample, ana, Detector("cms_run2"), None, 0.9, 3, 4)
    for ctau in (1.0, 30.0):
        s, s1 = sc.evaluate(ctau).S, one_d.evaluate(ctau).S
        assert s[4] == pytest.approx(s1[1] + s1[2])  # both above 0.5 mm: the smaller |d0| in SR II or III
        assert sum(s[:4]) == pytest.approx(s1[0])  # one or both in 0.2-0.5 mm: the smaller |d0| in SR I
    assert sc.evaluate(1.0).S[0] > 0 and sc.evaluate(1.0).S[1] > 0  # both sides of the pT split filled at 1 mm
