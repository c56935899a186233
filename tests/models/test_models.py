"""Model plumbing that needs no Pythia run: branching ratios, the b-bbar lepton filter."""

import numpy as np
import pytest

from lepreint.errors import LepreintError
from lepreint.models import coscattering, heavy_flavour


def test_coscattering_branching_options():
    assert coscattering.branching(20.0, {"decays": "leptonic"}) == {11: 0.5, 13: 0.5}
    b = coscattering.branching(20.0, {"decays": "eq2.16"})
    assert b[11] == b[13] == b[15] == pytest.approx(1 / 9) and sum(b.values()) == pytest.approx(1)
    b2 = coscattering.branching(20.0, {"decays": "eq2.16", "gamma_pi_ratio": 2.95})
    assert 2 * b2[11] * b2[13] == pytest.approx(0.014, rel=0.01)  # Table 1, benchmark 2
    with pytest.raises(LepreintError):
        coscattering.branching(20.0, {"decays": "hadronic"})


def test_pythia_decay_table_for_validation_mode():
    table = coscattering._pythia_decay_table({"mc": 220.0, "dm": 20.0, "ctau": 10.0}, {"decays": "leptonic"})
    assert "DECAY   1000024" in table and "1000022   -11   12" in table and "1000022   -13   14" in table
    width = float(table.split()[2])
    assert width == pytest.approx(1.973269804e-13 / 10.0, rel=1e-6)  # hbar c / c tau


def _vis(*leptons):
    """rows (pdg, px, py, pz, e, vx, vy, vz, vt, mother) for leptons given as (pdg, pt, eta)."""
    rows = []
    for pdg, pt, eta in leptons:
        pz = pt * np.sinh(eta)
        rows.append((pdg, pt, 0.0, pz, np.hypot(pt, pz), 0, 0, 0, 0, 511))
    rows.append((211, 5.0, 0.0, 0.0, 5.0, 0, 0, 0, 0, 0))
    return np.array(rows, dtype=float)


def test_bbbar_filter_acts_on_final_leptons():
    f = heavy_flavour.LeptonFilter(15.0, 2.5, opposite=False)
    assert f(_vis((11, 20, 0.1), (-13, 16, -1.0)))
    assert not f(_vis((11, 20, 0.1), (-13, 14, -1.0)))  # muon below threshold
    assert not f(_vis((11, 20, 0.1), (-13, 16, 2.7)))  # muon outside |eta| < 2.5
    assert not f(_vis((11, 20, 0.1), (-11, 30, 0.0)))  # two electrons
    os_only = heavy_flavour.LeptonFilter(15.0, 2.5, opposite=True)
    assert os_only(_vis((11, 20, 0.1), (-13, 16, 0.0))) and not os_only(_vis((11, 20, 0.1), (13, 16, 0.0)))
    single = heavy_flavour.LeptonFilter(15.0, 2.5, opposite=False, require="lepton")
    assert single(_vis((13, 16, 0.0))) and not single(_vis((13, 10, 0.0)))
    with pytest.raises(LepreintError):
        heavy_flavour.LeptonFilter(15.0, 2.5, False, require="jets")


def test_closed_tau_channel_is_renormalised_away():
    b = coscattering.branching(1.5, {"decays": "eq2.16"})
    assert 15 not in b and sum(b.values()) == pytest.approx(1) and b[11] == pytest.approx(1 / 8)


@pytest.mark.parametrize(
    "model, params, options, words",
    [
        ("hnl", {"mN": 10.0, "U2": 1e-6, "ctau": 50.0}, {}, "ctau = 50 mm is not used"),
        ("hnl", {"mN": 10.0, "U2": 1e-6, "ctau": -5.0}, {"lifetime": "given"}, "ctau must be > 0"),
        ("coscattering", {"mc": 220, "dm": 20, "ctau": 10.0}, {"gamma_pi_ratio": 2.95}, "read by decays = eq2.16"),
        ("coscattering", {"mc": 220, "dm": 20, "ctau": 10.0}, {"decayer": "pythia", "couplings": [1, 0]}, "couplings"),
        (
            "coscattering",
            {"mc": 220, "dm": 20, "ctau": 10.0},
            {"decayer": "pythia", "tau_polarisation": "none"},
            "tau_polarisation",
        ),
        # outside the models: decays that would not happen (they hung), on-shell bosons in three-body decays
        # (tracebacks), a chi2^0 not above chi1^0 or a negative width (negative c tau)
        ("coscattering", {"mc": 220, "dm": 20, "ctau": 10.0}, {"couplings": [0, 0]}, "would not decay"),
        ("coscattering", {"mc": 300, "dm": 100, "ctau": 10.0}, {}, "off-shell W"),
        ("higgsino", {"mc": 300, "dm": 50}, {}, r"dm0 = 100 GeV: the decays go through an off-shell W and Z"),
        ("higgsino", {"mc": 300, "dm": 1}, {"dm0_ratio": 0}, "chi2.0 must lie above chi1.0"),
        ("higgsino", {"mc": 300, "dm": 1}, {"higgsino_factor": -0.25}, "width factor must be > 0"),
    ],
)
def test_options_a_model_would_ignore_are_refused(model, params, options, words):
    """An option recorded with the sample but not read by the chosen decays would be a silent wrong answer."""
    from lepreint.events.generation.engine import GenerationRequest

    with pytest.raises(LepreintError, match=words):
        GenerationRequest(model, params, events=10, options=options)


def test_model_options_are_checked_against_their_defaults_types():
    """A quoted 'no' is not false, a misspelt word is not a choice, a list is as long as its default; numbers
    written as YAML reads them (5e-2 is a string to it) or as numpy gives them are numbers."""
    import numpy as np

    from lepreint.models import check_options

    assert check_options("higgsino", {"z_ee": "5e-2"}) == {"z_ee": 0.05}
    assert check_options("bbbar", {"pthat_min": np.int64(3)}) == {"pthat_min": 3.0}
    assert check_options("hnl", {"mixing": {"e": "1e-3", "mu": 1}}) == {"mixing": {"e": 0.001, "mu": 1}}
    assert check_options("coscattering", {"couplings": (1, 0.5)}) == {"couplings": [1, 0.5]}
    for model, options, words in [
        ("hnl", {"majorana": "no"}, "need true or false"),
        ("coscattering", {"decayer": "foo"}, "need one of lepreint, pythia"),
        ("coscattering", {"couplings": [1, 2, 3]}, "a list of 2 finite numbers"),
        ("coscattering", {"gamma_pi_ratio": float("nan")}, "a finite number"),
        ("stop", {"branching": {"e": 1, "x": 1}}, "keys among e, mu, tau"),
        ("slepton", {"flavour": "electron"}, "need one of e, mu, tau, co_nlsp, stau_nlsp"),
    ]:
        with pytest.raises(LepreintError, match=words):
            check_options(model, options)


def test_scans_of_llps_decayed_by_pythia_carry_the_revision_of_how_their_events_are_kept():
    from lepreint.events.generation.engine import PYTHIA_DECAYED_REVISION
    from lepreint.results.scan import ScanConfig

    assert ScanConfig.from_card("stop_grid_8tev").identity()["pythia_decayed_revision"] == PYTHIA_DECAYED_REVISION
    assert "pythia_decayed_revision" not in ScanConfig.from_card("coscattering_grid").identity()


def test_an_option_the_decay_records_leaves_the_samples_it_does_not_change():
    """tau_polarisation acts through the decay's specification (part of the key): co-scattering's default leptonic
    decays give no taus, so their samples are the same whatever the option; eq2.16's taus make another sample."""
    from lepreint.events.generation.engine import GenerationRequest

    p = {"mc": 220, "dm": 20, "ctau": 10.0}

    def config(**options):
        return GenerationRequest("coscattering", p, events=10, options=options).config()

    assert config() == config(tau_polarisation="none")
    assert config(decays="eq2.16") != config(decays="eq2.16", tau_polarisation="none")
