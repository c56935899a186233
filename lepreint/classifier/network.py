"""The neural network of the paper's Sec. 4.2: nine kinematic variables -> P(signal).

Architecture (as the paper): 9 standardised inputs, two hidden layers of 18 ReLU units each followed by
20% dropout, one sigmoid output; binary cross-entropy, Adam.  Trained with Keras 3 (TensorFlow backend),
seeded and single-threaded so that ``lepreint train --seed S`` reproduces the model bit for bit.

The trained model is stored twice, side by side: ``model.keras`` (the Keras artefact, for inspection
and retraining) and ``model.json`` (feature list, scaler, the dense weights, training provenance and
metrics).  Applying the network reads only ``model.json`` and evaluates the three dense layers with
numpy (dropout is inactive at inference): no TensorFlow import, ~10^6 pairs per second.

Training data (``training_pairs``): candidate e-mu pairs passing the analysis card's selection
*without isolation and without any d0 requirement* (the paper trains on its whole heavy-flavour e-mu
sample, "about 4100 events", to which isolation is not applied; none of the nine variables uses d0).
Signal pairs are drawn with probability proportional to weight x selection probability (unweighted
events, as a generator's), as many as there are background training pairs; the background pairs carry
their pT-hat bias weights as training weights (``background_weights='use'``) or not (``'ignore'``).
Train and test (80/20) are split by generated event, so the copies of one event stay together.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import awkward as ak
import numpy as np
from scipy.special import expit

from lepreint.analysis.features import FEATURES, pair_features
from lepreint.analysis.selection import select
from lepreint.config.cards import AnalysisConfig, analysis_config
from lepreint.detector.simulate import Detector
from lepreint.errors import LepreintError
from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.slim import Sample, llp_leptons_in_jets
from lepreint.extras import require

__all__ = ["Classifier", "TrainingConfig", "load_classifier", "train", "training_pairs", "roc_auc"]

HIDDEN = (18, 18)
DROPOUT = 0.2


@dataclass(frozen=True)
class TrainingConfig:
    seed: int = 1
    epochs: int = 80
    batch_size: int = 128
    learning_rate: float = 1e-3
    train_fraction: float = 0.8
    #: heavy-flavour pairs drawn by their pT-hat bias weights ('use') or taken as generated ('ignore')
    background_weights: str = "use"

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class Classifier:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    layers: list[tuple[np.ndarray, np.ndarray]]  #: (W, b) of each dense layer
    meta: dict = field(default_factory=dict)
    keras_model: object = field(default=None, repr=False, compare=False)  #: the Keras model, right after training

    def predict(self, x: np.ndarray) -> np.ndarray:
        """NN output in [0, 1] for rows of the nine features (order ``self.features``)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise LepreintError(f"classifier expects {len(self.features)} features per row, got shape {x.shape}")
        h = (x - self.mean) / self.scale
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            h = np.maximum(h, 0.0) if i < len(self.layers) - 1 else expit(h)
        return h[:, 0]

    def to_json(self) -> dict:
        return {
            "features": list(self.features),
            "scaler": {"mean": self.mean.tolist(), "scale": self.scale.tolist()},
            "layers": [{"W": w.tolist(), "b": b.tolist()} for w, b in self.layers],
            **self.meta,
        }

    @classmethod
    def from_json(cls, d: dict, where: str = "model.json") -> Classifier:
        feats = tuple(d.get("features", ()))
        if feats != FEATURES:
            raise LepreintError(f"{where}: the model's features {list(feats)} are not lepreint's {list(FEATURES)}")
        try:
            layers = [(np.asarray(layer["W"], float), np.asarray(layer["b"], float)) for layer in d["layers"]]
            mean, scale = np.asarray(d["scaler"]["mean"], float), np.asarray(d["scaler"]["scale"], float)
        except (KeyError, TypeError, ValueError) as e:
            raise LepreintError(f"{where}: malformed model description ({e})") from None
        meta = {k: v for k, v in d.items() if k not in ("features", "scaler", "layers")}
        return cls(feats, mean, scale, layers, meta)

    def save(self, folder: str | os.PathLike, keras_model=None) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if keras_model is not None:
            keras_model.save(folder / "model.keras")
        (folder / "model.json").write_text(json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n")
        return folder / "model.json"

    def digest(self) -> str:
        return hashlib.sha256(
            json.dumps(
                [self.mean.tolist(), self.scale.tolist(), [(w.tolist(), b.tolist()) for w, b in self.layers]]
            ).encode()
        ).hexdigest()


def load_classifier(path: str | os.PathLike | None = None) -> Classifier:
    """The shipped network (``lepreint/data/model.json``) or a ``model.json`` / its folder."""
    if path is None:
        text = resources.files("lepreint").joinpath("data/model.json").read_text()
        return Classifier.from_json(json.loads(text), "lepreint/data/model.json")
    p = Path(path)
    if p.is_dir():
        p = p / "model.json"
    try:
        d = json.loads(p.read_text())
    except FileNotFoundError:
        raise LepreintError(f"{p}: no such model file") from None
    except json.JSONDecodeError as e:
        raise LepreintError(f"{p}: not JSON ({e})") from None
    return Classifier.from_json(d, str(p))


def training_selection(cfg: AnalysisConfig) -> AnalysisConfig:
    """The analysis selection without isolation and without d0 requirement (see the module docstring)."""
    no_iso = {"isolation_max": None}
    return dataclasses.replace(
        cfg,
        electron=dataclasses.replace(cfg.electron, **no_iso),
        muon=dataclasses.replace(cfg.muon, **no_iso),
        d0_max=None,
        regions=(),
    )


def training_pairs(
    sample: Sample,
    analysis: str | AnalysisConfig = "soft_displaced_emu",
    detector: Detector | None = None,
    seed: int = 0,
):
    """Features of the candidate pairs passing the training selection, with their weights (w x P)."""
    cfg = analysis if isinstance(analysis, AnalysisConfig) else analysis_config(analysis)
    det = detector or Detector("cms_run2")
    reco = det.simulate(sample.events, np.random.default_rng(seed), llp_leptons_in_jets(sample.meta))
    f = pair_features(reco, select(reco, training_selection(cfg)), keep="selected")
    w = ak.to_numpy(sample.events.weight)[f.row] * f.prob
    ok = w > 0
    return f.x[ok], w[ok], ak.to_numpy(sample.events.event)[f.row][ok]


def _draw(rng, w: np.ndarray, n: int) -> np.ndarray:
    """n indices drawn without replacement with probability proportional to w."""
    n = min(n, int(np.count_nonzero(w)))
    return rng.choice(w.size, size=n, replace=False, p=w / w.sum())


def _split_by_event(rng, events: np.ndarray, fraction: float) -> np.ndarray:
    """Train mask: whole generated events (all copies of one event) go to the same side."""
    uniq = np.unique(events)
    train_events = rng.choice(uniq, size=int(round(fraction * uniq.size)), replace=False)
    return np.isin(events, train_events)


def roc_auc(score_s: np.ndarray, score_b: np.ndarray, w_s=None, w_b=None) -> float:
    """Area under the ROC curve (probability that a signal scores above a background; ties count 1/2)."""
    w_s = np.ones_like(score_s) if w_s is None else np.asarray(w_s, float)
    w_b = np.ones_like(score_b) if w_b is None else np.asarray(w_b, float)
    order = np.argsort(score_b, kind="mergesort")
    sb, wb = score_b[order], w_b[order]
    cum = np.concatenate([[0.0], np.cumsum(wb)])
    lo = np.searchsorted(sb, score_s, side="left")
    hi = np.searchsorted(sb, score_s, side="right")
    below = cum[lo] + 0.5 * (cum[hi] - cum[lo])
    return float(np.sum(w_s * below) / (w_s.sum() * wb.sum()))


def train(
    signal: Sample,
    background: Sample,
    config: TrainingConfig = TrainingConfig(),
    analysis: str = "soft_displaced_emu",
    output: str | os.PathLike | None = None,
) -> Classifier:
    """Train the network on a signal and a heavy-flavour sample (see the module docstring); deterministic."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")

    require("tensorflow", "train", "training the network")
    keras = require("keras", "train", "training the network")
    import tensorflow as tf
    from scipy.stats import ks_2samp

    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)

    xs, ws, evs = training_pairs(signal, analysis)
    xb, wb, evb = training_pairs(background, analysis)
    if len(xb) < 50 or len(xs) < 50:
        raise LepreintError(f"too few selected pairs to train on: {len(xs)} signal, {len(xb)} background")
    if config.background_weights not in ("use", "ignore"):
        raise LepreintError(f"background_weights must be 'use' or 'ignore', got {config.background_weights!r}")
    tr_s = _split_by_event(rng, evs, config.train_fraction)
    tr_b = _split_by_event(rng, evb, config.train_fraction)
    ib = np.flatnonzero(tr_b)
    # background: every training pair, weighted by its pT-hat bias weight (normalised to mean 1) or not
    sw_b = wb[ib] / wb[ib].mean() if config.background_weights == "use" else np.ones(len(ib))
    # signal: as many unweighted pairs, drawn with probability ~ weight x selection probability
    i_s = np.flatnonzero(tr_s)[_draw(rng, ws[tr_s], len(ib))]
    x = np.vstack([xs[i_s], xb[ib]])
    y = np.concatenate([np.ones(len(i_s)), np.zeros(len(ib))])
    sw = np.concatenate([np.ones(len(i_s)), sw_b * len(i_s) / len(ib)])
    perm = rng.permutation(len(y))
    x, y, sw = x[perm], y[perm], sw[perm]
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)

    model = keras.Sequential(
        [keras.Input((len(FEATURES),))]
        + [layer for h in HIDDEN for layer in (keras.layers.Dense(h, activation="relu"), keras.layers.Dropout(DROPOUT))]
        + [keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="binary_crossentropy")
    model.fit(
        ((x - mean) / scale).astype("float32"),
        y.astype("float32"),
        sample_weight=sw.astype("float32"),
        epochs=config.epochs,
        batch_size=config.batch_size,
        shuffle=True,
        verbose=0,
    )
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    clf = Classifier(FEATURES, mean, scale, [(np.asarray(d.kernel, float), np.asarray(d.bias, float)) for d in dense])

    # metrics: AUC on the held-out 20% (weighted as physics), overtraining check train vs test
    ps_tr, pb_tr = clf.predict(xs[tr_s]), clf.predict(xb[tr_b])
    ps_te, pb_te = clf.predict(xs[~tr_s]), clf.predict(xb[~tr_b])
    auc_te = roc_auc(ps_te, pb_te, ws[~tr_s], wb[~tr_b])
    auc_tr = roc_auc(ps_tr, pb_tr, ws[tr_s], wb[tr_b])
    ks_s, ks_b = ks_2samp(ps_tr, ps_te).pvalue, ks_2samp(pb_tr, pb_te).pvalue
    clf.meta = {
        "lepreint_model": 1,
        "architecture": {"hidden": list(HIDDEN), "activation": "relu", "dropout": DROPOUT, "output": "sigmoid"},
        "training": {
            **config.as_dict(),
            "analysis": analysis,
            "selection": "analysis cuts, no isolation, no d0",
            "signal_sample": signal.meta.get("digest"),
            "background_sample": background.meta.get("digest"),
            "signal_parameters": signal.meta.get("parameters"),
            "n_signal_train": int(len(i_s)),
            "n_background_train": int(len(ib)),
            "n_signal_test": int((~tr_s).sum()),
            "n_background_test": int((~tr_b).sum()),
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
        },
        "metrics": {
            "auc_test": auc_te,
            "auc_train": auc_tr,
            "ks_p_signal_train_vs_test": float(ks_s),
            "ks_p_background_train_vs_test": float(ks_b),
        },
    }
    clf.meta["digest"] = clf.digest()
    clf.keras_model = model
    if output is not None:
        clf.save(output, model)
    return clf


#: the paper's training signal: benchmark 1 kinematics with the e-mu final state of Eq. (3.5) (decays to e
#: and mu only: the branching ratio changes the rate, not the kinematics) -- 20 000 Pythia events x K = 20
TRAINING_SIGNAL = {
    "model": "coscattering",
    "parameters": {"mc": 324.0, "dm": 20.0, "ctau": 20.0},
    "events": 20_000,
    "seed": 324,
    "oversampling": 20,
    "options": {"decays": "leptonic"},
}


def background_efficiency(
    hf: Sample,
    classifier,
    cut: float = 0.9,
    analysis: AnalysisConfig | str = "soft_displaced_emu",
    detector: Detector | None = None,
):
    """Weighted fraction of heavy-flavour pairs (training selection) with NN >= cut: (eff, err, raw pairs, N_eff)."""
    x, w, _ = training_pairs(hf, analysis, detector)
    s = classifier.predict(x)
    keep = s >= cut
    eff = float(w[keep].sum() / w.sum())
    var = (np.sum(w[keep] ** 2) * (1 - eff) ** 2 + np.sum(w[~keep] ** 2) * eff**2) / w.sum() ** 2
    n_eff = float(w.sum() ** 2 / np.sum(w**2))
    return eff, float(np.sqrt(var)), int(keep.sum()), n_eff


#: NN cuts at which the heavy-flavour efficiency is measured and stored with the model
CUT_GRID = tuple(round(x, 2) for x in np.arange(0.50, 0.991, 0.01))


def calibrate(clf: Classifier, hf: Sample, analysis: str = "soft_displaced_emu") -> Classifier:
    """Measure the network's heavy-flavour efficiency for each cut of ``CUT_GRID`` on an independent sample."""
    table = {}
    for cut in CUT_GRID:
        eff, err, n_pass, n_eff = background_efficiency(hf, clf, cut, analysis)
        table[f"{cut:.2f}"] = {"eff": eff, "err": err, "pairs_passing": n_pass}
    clf.meta["background_efficiency"] = {
        "analysis": str(analysis),  # the selection the efficiency belongs to
        "sample": hf.meta.get("digest"),
        "effective_events": n_eff,
        "selection": "analysis cuts, no isolation, no d0",
        "by_cut": table,
    }
    return clf


def stored_background_efficiency(clf: Classifier, cut: float) -> tuple[float, float]:
    """The heavy-flavour efficiency of NN >= cut stored with the model (measured by ``calibrate``)."""
    be = clf.meta.get("background_efficiency")
    if not be:
        raise LepreintError("this model carries no heavy-flavour efficiency (train it with lepreint train)")
    key = f"{cut:.2f}"
    if key not in be["by_cut"] or abs(float(key) - cut) > 1e-9:
        raise LepreintError(f"NN cut {cut} not among the calibrated cuts (0.50, 0.51, ..., 0.99)")
    return be["by_cut"][key]["eff"], be["by_cut"][key]["err"]


#: the heavy-flavour samples of the shipped network: events passing the e-mu filter, and the training seed
BBBAR_EVENTS = 9000
BBBAR_SEED = 1


def bbbar_sample(workers: int = 2, seed: int = BBBAR_SEED):
    """The heavy-flavour sample (seed 1: the classifier's training sample; seed 2: an independent one that
    measures the network's background efficiency)."""

    return generate(GenerationRequest("bbbar", {}, BBBAR_EVENTS, seed), workers=workers)


def training_samples(workers: int = 2) -> tuple[Sample, Sample]:
    """The signal and heavy-flavour samples of the shipped network (generated once, then from the cache)."""

    t = TRAINING_SIGNAL
    sig = generate(
        GenerationRequest(t["model"], t["parameters"], t["events"], t["seed"], t["oversampling"], t["options"]),
        workers=workers,
    )
    return sig, bbbar_sample(workers)


def calibration_sample(workers: int = 2) -> Sample:
    """An independent heavy-flavour sample (another seed) for the network's background efficiency."""
    return bbbar_sample(workers, seed=BBBAR_SEED + 1)
