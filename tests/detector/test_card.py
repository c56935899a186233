"""The detector card: the shipped one loads; broken ones give one-line errors naming the field."""

import pytest
import yaml

from lepreint.config.cards import InvalidCard, find_card, load_card


def _card(tmp_path, mutate):
    data = yaml.safe_load(find_card("cms_run2", "detector").read_text())
    mutate(data)
    p = tmp_path / "det.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


def test_shipped_card_loads():
    c = load_card(find_card("cms_run2", "detector"), "detector")
    assert c.data["tracker"]["bfield_tesla"] == 3.8 and c.data["d0_efficiency"]["extrapolation"] == "linear_to_zero"


@pytest.mark.parametrize(
    "mutate, field, words",
    [
        (lambda d: d["tracker"].update(radius="1.29"), "tracker.radius", "unit"),
        (lambda d: d["tracker"].update(radius="-1 m"), "tracker.radius", "positive"),
        (lambda d: d["d0_efficiency"].update(extrapolation="quadratic"), "d0_efficiency.extrapolation", "linear_trend"),
        (lambda d: d["muon"]["efficiency"].update(values=[[0.95]]), "muon.efficiency.values", "2 rows"),
        (
            lambda d: d["electron"]["efficiency"].update(abs_eta_edges=[0, 2.5, 1.5]),
            "electron.efficiency.abs_eta_edges",
            "increasing",
        ),
        (lambda d: d["jets"]["resolution"].update(form="gaussian"), "jets.resolution.form", "stochastic"),
    ],
)
def test_broken_detector_cards(tmp_path, mutate, field, words):
    with pytest.raises(InvalidCard) as exc:
        load_card(_card(tmp_path, mutate), "detector")
    msg = str(exc.value)
    assert f": {field}: " in msg and words in msg and "\n" not in msg
