"""Validation of the c tau resampling (issue 6): one (220, 20) sample generated at 1 cm, moved to 1 mm, 1 cm,
10 cm and 1 m, against samples generated directly at those c tau (the Table 4 productions; at 1 cm an
independent production).  Pull = (moved - direct) / combined MC error, per signal region; and the
quadrature ("exact") mode against resampling.
"""

from __future__ import annotations

import numpy as np

from validation.core import producer

__all__ = ["CLOSURE_DRAWS"]

CLOSURE_DRAWS = 20
REGIONS = ("I", "II", "III")


@producer("lifetime.", slow=True)
def _lifetime():
    from lepreint.analysis.yields import benchmark_request, signal_yields
    from lepreint.config.cards import analysis_config
    from lepreint.events.generation.engine import generate
    from lepreint.events.lifetime import expectation, resample
    from validation.yields import table4_sample

    cfg = analysis_config("soft_displaced_emu")
    src = table4_sample(4)  # 1 cm
    req = benchmark_request(4, 20_000, 40)
    direct = {
        1.0: table4_sample(3),
        10.0: generate(req, workers=2, progress=False),
        100.0: table4_sample(5),
        1000.0: table4_sample(6),
    }
    out = {}
    for ctau, d in direct.items():
        dy = signal_yields(d, cfg, xsec_source="paper")
        ry = signal_yields(resample(src, ctau, CLOSURE_DRAWS, 1, cfg), cfg, xsec_source="paper")
        ey = signal_yields(expectation(src, ctau, cfg=cfg), cfg, xsec_source="paper")
        for i, reg in enumerate(REGIONS):
            pull = (ry.S[i] - dy.S[i]) / np.hypot(ry.S_err[i], dy.S_err[i])
            out[f"lifetime.closure.ctau{ctau:g}mm.pull_{reg}"] = (
                pull,
                f"moved from 1 cm ({CLOSURE_DRAWS} draws): {ry.S[i]:.4g} +- {ry.S_err[i]:.2g}; generated at "
                f"{ctau:g} mm: {dy.S[i]:.4g} +- {dy.S_err[i]:.2g} (140 /fb, paper cross section)",
            )
            out[f"lifetime.exact_vs_resample.ctau{ctau:g}mm.pull_{reg}"] = (
                (ey.S[i] - ry.S[i]) / ry.S_err[i],
                f"quadrature (24 nodes per LLP) {ey.S[i]:.4g} vs resampled {ry.S[i]:.4g} +- {ry.S_err[i]:.2g}",
            )
    return out
