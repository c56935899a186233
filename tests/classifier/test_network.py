"""The shipped network and reproducible training."""

import json

import numpy as np
import pytest

from lepreint.analysis.features import FEATURES
from lepreint.classifier.network import Classifier, TrainingConfig, load_classifier, roc_auc, train
from lepreint.errors import LepreintError
from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions


def test_shipped_model_loads_and_separates():
    clf = load_classifier()
    assert clf.features == FEATURES
    assert [w.shape for w, _ in clf.layers] == [(9, 18), (18, 18), (18, 1)]
    m = clf.meta["metrics"]
    assert m["auc_test"] > 0.85
    # overtraining check: train and test NN outputs compatible (KS p > 0.01), AUC within 0.03
    assert m["ks_p_signal_train_vs_test"] > 0.01 and m["ks_p_background_train_vs_test"] > 0.01
    assert m["auc_train"] - m["auc_test"] < 0.03
    assert clf.meta["digest"] == clf.digest()
    p = clf.predict(np.random.default_rng(0).normal(size=(1000, 9)) * 20 + 50)
    assert p.shape == (1000,) and np.all((p >= 0) & (p <= 1))


def test_model_file_with_other_features_is_refused(tmp_path):
    d = load_classifier().to_json()
    d["features"] = d["features"][::-1]
    (tmp_path / "model.json").write_text(json.dumps(d))
    with pytest.raises(LepreintError, match="features"):
        load_classifier(tmp_path)
    with pytest.raises(LepreintError, match="no such model"):
        load_classifier(tmp_path / "missing.json")


def test_roc_auc():
    assert roc_auc(np.array([2.0, 3.0]), np.array([0.0, 1.0])) == 1.0
    assert roc_auc(np.array([1.0]), np.array([1.0])) == 0.5
    assert roc_auc(np.array([0.0, 3.0]), np.array([1.0, 2.0])) == 0.5


def _sample(dm, seed):
    return generate(
        GenerationRequest(
            "coscattering",
            {"mc": 220, "dm": dm, "ctau": 10.0},
            300,
            seed,
            20,
            {"decays": "leptonic"},
            ShowerOptions(mpi=False),
            chunk_size=300,
        )
    )


def test_training_is_deterministic(tmp_path):
    # two kinematically different signals stand in for signal and background: this tests the machinery
    a, b = _sample(40.0, 1), _sample(30.0, 2)
    cfg = TrainingConfig(seed=5, epochs=3)
    c1 = train(a, b, cfg, output=tmp_path / "m1")
    c2 = train(a, b, cfg, output=tmp_path / "m2")
    assert c1.digest() == c2.digest()
    assert abs(c1.meta["metrics"]["auc_test"] - c2.meta["metrics"]["auc_test"]) < 1e-6
    assert (tmp_path / "m1" / "model.keras").exists()
    back = load_classifier(tmp_path / "m1")
    x = np.random.default_rng(1).normal(size=(50, 9))
    assert np.allclose(back.predict(x), c1.predict(x))
    assert isinstance(back, Classifier)
