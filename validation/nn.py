"""Validation producers of the neural-network stage: the paper's Table 5 analogue, R95 and Figs. 6-9.

The shipped network (``lepreint/data/model.json``) is applied to the Table 4 productions
(``validation.yields``); the heavy-flavour background after the cut is Table 4's HF row times
the network's efficiency on an independent b-bbar sample (seed 2).  The paper withholds its Table 5
and the c tau range it excludes, so these records have ``paper: null``: they are our predictions.
Cross sections: the paper's (Eq. 3.6), as Table 4; ``r95.nn.table_xsec.*`` with the SUSY WG table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from validation.core import producer

__all__ = ["NN_CUT", "ctau_scan"]

NN_CUT = 0.9
REGIONS = ("I", "II", "III")
#: c tau (mm) of the R95 scan at (220, 20): the Table 4 productions and ``validation_yields.scan_sample``'s
CTAU_SCAN = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0)


def _lumi_tag(lumi: float) -> str:
    return f"lumi{lumi:g}".replace(".", "p")


def ctau_scan():
    """(220, 20) samples at the c tau of ``CTAU_SCAN`` (cached; shared with the Table 4 validation)."""
    from validation.yields import scan_sample, table4_sample

    by_bm = {1.0: 3, 10.0: 4, 100.0: 5, 1000.0: 6}
    out = {}
    for ctau in CTAU_SCAN:
        out[ctau] = table4_sample(by_bm[ctau]) if ctau in by_bm else scan_sample(ctau)
    return out


@producer("table5.", "r95.", "nn.", slow=True)
def _nn():
    from lepreint.analysis.projection import LUMIS, analysis_background, nn_signal, projection
    from lepreint.classifier.network import (
        TrainingConfig,
        background_efficiency,
        calibration_sample,
        load_classifier,
        roc_auc,
        train,
        training_pairs,
        training_samples,
    )
    from lepreint.stats.limits import r95
    from validation.yields import table4_sample

    out = {}
    clf = load_classifier()
    m = clf.meta["metrics"]
    out["nn.auc_test.bm1"] = (
        m["auc_test"],
        f"held-out 20% of the training samples (by event), weighted; train {m['auc_train']:.4f}",
    )
    out["nn.overtraining.ks_p_signal"] = (m["ks_p_signal_train_vs_test"], "KS test of the NN output, train vs test")
    out["nn.overtraining.ks_p_background"] = (m["ks_p_background_train_vs_test"], "KS test, train vs test")
    sig_train, bkg_train = training_samples()
    again = train(
        sig_train,
        bkg_train,
        TrainingConfig(**{k: v for k, v in clf.meta["training"].items() if k in TrainingConfig.__dataclass_fields__}),
    )
    same = again.digest() == clf.digest()
    largest = max(float(np.max(np.abs(a[0] - b[0]))) for a, b in zip(again.layers, clf.layers))
    out["nn.retrain_reproduces_shipped"] = (
        float(same),
        f"lepreint train --seed {clf.meta['training']['seed']}: "
        + ("the same weights" if same else f"weights differ by up to {largest:.2g}")
        + f" (AUC {again.meta['metrics']['auc_test']:.6f} vs {m['auc_test']:.6f})",
    )
    hf = calibration_sample()
    eff, err, n_pass, n_eff = background_efficiency(hf, clf, NN_CUT)
    out["nn.background_efficiency"] = (
        eff,
        f"+- {err:.2g} (weighted, {n_pass} pairs pass, N_eff = {n_eff:.0f}); "
        f"independent b-bbar sample, analysis cuts without isolation and d0",
    )
    B = analysis_background()
    B_nn = [b * eff for b in B]
    for i, reg in enumerate(REGIONS):
        out[f"table5.hf.B_{reg}"] = (
            B_nn[i],
            f"+- {B[i] * err:.3g} (efficiency statistics): Table 4 HF {B[i]:.6g} x {eff:.4f}",
        )
    xb, wb, _ = training_pairs(hf)
    sb = clf.predict(xb)
    curves = {}
    for k in range(1, 8):
        s = table4_sample(k)
        nn = nn_signal(s, clf, NN_CUT, xsec_source="paper")
        for i, reg in enumerate(REGIONS):
            out[f"table5.bm{k}.S_{reg}"] = (
                nn.S_nn[i],
                f"+- {nn.S_nn_err[i]:.2g} (MC); {nn.S_nn[i] / nn.S[i]:.2f} of S = {nn.S[i]:.4g} before the cut",
            )
        for lumi, v in projection(nn.S_nn, B_nn, 140.0, LUMIS).items():
            out[f"r95.nn.{_lumi_tag(lumi)}.bm{k}"] = (v, "three regions combined, NN >= 0.9, paper cross section")
        for lumi, v in projection(nn.S, B, 140.0, LUMIS).items():
            out[f"r95.cut.{_lumi_tag(lumi)}.bm{k}"] = (v, "three regions combined, no network (Table 4)")
        tab = nn_signal(s, clf, NN_CUT, xsec_source="table")
        out[f"r95.nn.table_xsec.lumi140.bm{k}"] = (r95(tab.S_nn, B_nn), f"sigma = {tab.xsec_fb:.4g} fb (table)")
        xs_, ws_, _ = training_pairs(s)
        out[f"nn.auc.bm{k}"] = (roc_auc(clf.predict(xs_), sb, ws_, wb), "against the independent b-bbar sample")
        curves[k] = nn
    # R95 versus c tau at (220, 20)
    scan = {}
    for ctau, s in ctau_scan().items():
        nn = nn_signal(s, clf, NN_CUT, xsec_source="paper")
        scan[ctau] = {"nn": projection(nn.S_nn, B_nn, 140.0, LUMIS), "cut": projection(nn.S, B, 140.0, LUMIS)}
        for lumi in LUMIS:
            out[f"r95.nn.{_lumi_tag(lumi)}.ctau{ctau:g}mm"] = (scan[ctau]["nn"][lumi], "(220, 20), paper cross section")
        out[f"r95.cut.lumi140.ctau{ctau:g}mm"] = (scan[ctau]["cut"][140.0], "(220, 20), no network")
    for lumi in LUMIS:
        lo, hi, best = _excluded_range(scan, "nn", lumi)
        tag = _lumi_tag(lumi)
        edges = f"scan {CTAU_SCAN[0]:g}-{CTAU_SCAN[-1]:g} mm; None: R95 > 1 at the scan's edge"
        out[f"r95.nn.{tag}.ctau_excluded_min_mm"] = (
            lo,
            f"smallest c tau with R95 > 1 (log-log interpolation; {edges})",
        )
        out[f"r95.nn.{tag}.ctau_excluded_max_mm"] = (hi, f"largest c tau with R95 > 1 (log-log interpolation; {edges})")
        out[f"r95.nn.{tag}.ctau_best_mm"] = (
            best,
            "c tau of the largest R95 on the scan (log-parabola through the top 3)",
        )
    try:
        _plots(clf, sig_train, hf, sb, wb, curves, B_nn, scan)
    except Exception as e:
        out["nn.plots"] = (0.0, f"plots failed: {e}")
    else:
        out["nn.plots"] = (
            1.0,
            "validation/report/fig6_features.png, fig7_nn_roc.png, fig8_nn_sr3.png, fig9_r95_ctau.png",
        )
    return out


def _excluded_range(scan: dict, kind: str, lumi: float):
    c = np.array(sorted(scan))
    r = np.array([scan[x][kind][lumi] for x in c])
    lc, lr = np.log(c), np.log(np.maximum(r, 1e-12))
    grid = np.linspace(lc[0], lc[-1], 2001)
    g = np.interp(grid, lc, lr)
    above = grid[g > 0]
    # an edge of the scan still above 1 is no boundary: None (the range extends beyond the scan)
    lo = float(np.exp(above.min())) if above.size and lr[0] <= 0 else None
    hi = float(np.exp(above.max())) if above.size and lr[-1] <= 0 else None
    j = int(np.clip(np.argmax(lr), 1, len(c) - 2))
    a, b, _ = np.polyfit(lc[j - 1 : j + 2], lr[j - 1 : j + 2], 2)
    best = float(np.exp(-b / (2 * a))) if a < 0 else float(c[np.argmax(lr)])
    return lo, hi, best


def _plots(clf, sig_train, hf, sb, wb, curves, B_nn, scan, folder: str | Path = "validation/report"):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep

    from lepreint.analysis.features import FEATURES
    from lepreint.classifier.network import training_pairs

    plt.style.use(mplhep.style.CMS)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    xs, ws, _ = training_pairs(sig_train)
    xb, wb2, _ = training_pairs(hf)
    # Fig. 6: the nine features, benchmark 1 (e-mu final state) against heavy flavour, normalised
    fig, axes = plt.subplots(3, 3, figsize=(18, 15))
    for i, (ax, name) in enumerate(zip(axes.flat, FEATURES)):
        hi = np.percentile(np.concatenate([xs[:, i], xb[:, i]]), 99)
        bins = np.linspace(0, hi, 31)
        ax.hist(xs[:, i], bins, weights=ws, density=True, histtype="step", lw=2, label="signal bm 1")
        ax.hist(xb[:, i], bins, weights=wb2, density=True, histtype="step", lw=2, label="HF (b-bbar)")
        ax.set_xlabel(name)
    axes.flat[0].legend()
    fig.tight_layout()
    fig.savefig(folder / "fig6_features.png", dpi=60)
    plt.close(fig)
    # Fig. 7: NN output and ROC per benchmark
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(16, 7))
    bins = np.linspace(0, 1, 26)
    a1.hist(sb, bins, weights=wb, density=True, histtype="step", lw=2, color="k", label="HF")
    for k, nn in curves.items():
        sel = nn.pair_region >= 0
        a1.hist(nn.scores[sel], bins, weights=nn.pair_weight[sel], density=True, histtype="step", label=f"bm {k}")
        cuts = np.linspace(0, 1, 101)
        es = [nn.pair_weight[sel & (nn.scores >= c)].sum() / nn.pair_weight[sel].sum() for c in cuts]
        eb = [wb[sb >= c].sum() / wb.sum() for c in cuts]
        a2.plot(eb, es, label=f"bm {k}")
    a1.set_xlabel("NN")
    a1.legend(fontsize=12)
    a2.set_xlabel("HF efficiency")
    a2.set_ylabel("signal efficiency")
    a2.set_xscale("log")
    a2.legend(fontsize=12)
    fig.tight_layout()
    fig.savefig(folder / "fig7_nn_roc.png", dpi=60)
    plt.close(fig)
    # Fig. 8: NN output in SR III at 140 /fb; HF spread with the network's HF shape
    fig, ax = plt.subplots(figsize=(10, 8))
    hf3 = B_nn[2] / (wb[sb >= 0.9].sum() / wb.sum()) if np.any(sb >= 0.9) else 0.0  # HF SR III before the cut
    ax.hist(sb, bins, weights=wb / wb.sum() * hf3, histtype="stepfilled", alpha=0.4, color="grey", label="HF")
    for k, nn in curves.items():
        sel = nn.pair_region == 2
        ax.hist(nn.scores[sel], bins, weights=nn.pair_weight[sel], histtype="step", lw=2, label=f"bm {k}")
    ax.set_yscale("log")
    ax.set_xlabel("NN (SR III, 140 /fb)")
    ax.set_ylabel("events")
    ax.legend(fontsize=12)
    fig.tight_layout()
    fig.savefig(folder / "fig8_nn_sr3.png", dpi=60)
    plt.close(fig)
    # Fig. 9: R95 vs c tau
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(16, 7))
    c = np.array(sorted(scan))
    for lumi in (2.6, 140.0, 300.0):
        a1.plot(c, [scan[x]["nn"][lumi] for x in c], marker="o", label=f"NN, {lumi:g} /fb")
    a2.plot(c, [scan[x]["nn"][140.0] for x in c], marker="o", label="NN >= 0.9, 140 /fb")
    a2.plot(c, [scan[x]["cut"][140.0] for x in c], marker="s", label="cut-based, 140 /fb")
    for a in (a1, a2):
        a.axhline(1.0, color="k", ls="--")
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel("c tau [mm]  (m_c, dm) = (220, 20) GeV")
        a.set_ylabel("R95")
        a.legend(fontsize=12)
    fig.tight_layout()
    fig.savefig(folder / "fig9_r95_ctau.png", dpi=60)
    plt.close(fig)
