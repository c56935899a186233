"""HepMC3 written by another program: Pythia 8's record converted as Pythia's HepMC3 interface does it.

After HepMC3 reads such a file the vertex ids are not in storage order; the reader must map ids to rows
explicitly.  Every number is checked against the Pythia record itself (``pythia_to_hepmc``)."""

import json

import awkward as ak
import numpy as np
import pyhepmc
import pytest
from pythia_to_hepmc import write_pythia_hepmc

from lepreint.events.hepmc import read_hepmc
from lepreint.models import coscattering

CTAU_MM = 50.0


@pytest.fixture(scope="module")
def pythia_file(tmp_path_factory):
    """Chargino pairs, m = 300 / 275 GeV, the chargino decayed by Pythia (c tau = 50 mm, e and mu)."""
    path = tmp_path_factory.mktemp("pythia") / "charginos.hepmc3"
    setup = coscattering.pythia_setup(
        {"mc": 300.0, "dm": 25.0, "ctau": CTAU_MM}, {"decayer": "pythia", "decays": "leptonic"}
    )
    truth = write_pythia_hepmc(path, setup, events=1000, seed=7)
    sample, stats = read_hepmc(path)
    return path, truth, sample, stats


def test_the_file_has_vertex_ids_out_of_storage_order(pythia_file):
    path = pythia_file[0]
    out_of_order = 0
    with pyhepmc.open(path) as f:
        for i, ev in enumerate(f):
            ids = ev.numpy.vertices.id
            out_of_order += bool(np.any(ids != -np.arange(1, len(ids) + 1)))
            if i == 49:
                break
    assert out_of_order >= 25  # the case the reader must handle is really there


def _match(a, b):
    """Index in ``b`` of each row of ``a`` with the same pdg and momentum (columns 0-3)."""
    idx = []
    for row in a:
        d = np.abs(b[:, 1:4] - row[1:4]).sum(axis=1) + 1e3 * (b[:, 0] != row[0])
        j = int(np.argmin(d))
        assert d[j] < 1e-6 * max(1.0, np.abs(row[1:4]).sum())
        idx.append(j)
    return np.array(idx, dtype=int)


def test_every_lepton_has_its_own_production_vertex_and_llp(pythia_file):
    _, truth, sample, stats = pythia_file
    assert stats.events == 1000 and stats.bad_events == 0
    ev = sample.events
    n_leptons = n_from_llp = 0
    for e in range(len(ev)):
        lep = ev.leptons[e]
        if not len(lep):
            continue
        ours = np.column_stack([ak.to_numpy(lep[c]).astype(float) for c in ("pdg", "px", "py", "pz", "vx", "vy", "vz")])
        t = truth["leptons"][e]
        j = _match(ours, t)
        np.testing.assert_allclose(ours[:, 4:7], t[j, 5:8], rtol=1e-9, atol=1e-9)
        llp = ak.to_numpy(lep.llp)
        np.testing.assert_array_equal(llp >= 0, t[j, 8] > 0)  # linked exactly when Pythia says it comes from one
        llps = ev.llps[e]
        for k in np.flatnonzero(llp >= 0):
            decay = np.array([llps.dx[llp[k]], llps.dy[llp[k]], llps.dz[llp[k]]])
            np.testing.assert_allclose(ours[k, 4:7], decay, rtol=1e-9, atol=1e-9)
            assert abs(llps.pdg[llp[k]]) == 1000024
        n_leptons += len(lep)
        n_from_llp += int(np.sum(llp >= 0))
    assert n_leptons > 1000 and n_from_llp > 500


def test_llps_carry_pythias_proper_decay_lengths(pythia_file):
    _, truth, sample, _ = pythia_file
    ev = sample.events
    for e in range(len(ev)):
        llps = ev.llps[e]
        ours = np.column_stack(
            [ak.to_numpy(llps[c]).astype(float) for c in ("pdg", "px", "py", "pz", "dx", "dy", "dz", "ctau")]
        )
        t = truth["llps"][e]
        assert len(ours) == len(t) == 2
        j = _match(ours, t)
        np.testing.assert_allclose(ours[:, 4:7], t[j, 8:11], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(ours[:, 7], t[j, 11], rtol=1e-6)


def test_inspect_reports_the_generated_ctau_and_the_files_cross_section(pythia_file, run_cli):
    path, truth, _, _ = pythia_file
    code, out, err = run_cli("inspect", path, "--json")
    assert code == 0, err
    p = json.loads(out)
    (chargino,) = p["llp_summary"]
    assert chargino["pdg_id"] == 1000024 and chargino["count"] == 2000
    assert abs(chargino["mean_ctau_mm"] / CTAU_MM - 1) < 0.05
    assert p["leptons_by_flavour"]["e"] > 0 and p["leptons_by_flavour"]["mu"] > 0
    assert p["xsec_fb"] == pytest.approx(truth["sigma_fb"], rel=1e-6)
    assert "GenCrossSection" in p["xsec_source"]


def test_top_squark_rhadrons_read_with_the_default_ids(tmp_path):
    """Top squarks hadronising into R-hadrons (Pythia decays them): read back with the default LLP ids, the
    R-hadrons are the LLPs with Pythia's decay vertices and proper decay lengths, and the leptons of their decays
    (also through taus and b hadrons) are linked to them, as on the generated path."""
    from lepreint.constants import STOP_RHADRON_IDS
    from lepreint.events.generation.pythia import ShowerOptions
    from lepreint.models import stop

    path = tmp_path / "stops.hepmc3"
    setup = stop.pythia_setup({"mstop": 500.0, "ctau": 10.0}, stop.DEFAULT_OPTIONS)
    truth = write_pythia_hepmc(
        path, setup, events=60, seed=3, shower=ShowerOptions(ecm=8000.0, mpi=False), llp_ids=STOP_RHADRON_IDS
    )
    sample, stats = read_hepmc(path)
    assert stats.events == 60
    ev = sample.events
    linked = 0
    for e in range(len(ev)):
        llps = ev.llps[e]
        ours = np.column_stack(
            [ak.to_numpy(llps[c]).astype(float) for c in ("pdg", "px", "py", "pz", "dx", "dy", "dz", "ctau")]
        )
        t = truth["llps"][e]
        assert len(ours) == len(t) == 2 and set(np.abs(ours[:, 0]).astype(int)) <= STOP_RHADRON_IDS
        j = _match(ours, t)
        np.testing.assert_allclose(ours[:, 4:7], t[j, 8:11], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(ours[:, 7], t[j, 11], rtol=1e-6)
        lep = ev.leptons[e]
        hard = ak.to_numpy(np.hypot(lep.px, lep.py)) > 20.0
        llp = ak.to_numpy(lep.llp)
        linked += int(np.sum(hard & (llp >= 0)))
        assert np.all(llp[hard] >= 0)  # every hard lepton is the decay's
    assert linked > 60
