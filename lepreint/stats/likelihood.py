"""Limits with an experiment's published likelihood: its background-only pyhf workspace with our signal patched in.

An analysis card names the workspace (``likelihood.file``, inside lepreint's data, with its source) and the
channel of each signal region (``likelihood.channels``).  The signal enters every channel as a sample scaled by the
workspace's parameter of interest and its luminosity uncertainty; the 95% CL upper limit on the signal strength is
pyhf's CLs (q~_mu) with the asymptotic formulae.  These are optimistic with a handful of events (the searches'
regions hold 0-1 observed events): the exact counting CLs (``lepreint.stats.limits``) is printed beside it.
"""

from __future__ import annotations

import functools
import json
import math
from importlib import resources
from typing import NamedTuple

import numpy as np

from lepreint.config.cards import AnalysisConfig
from lepreint.errors import LepreintError
from lepreint.stats.limits import _first_line

__all__ = ["LikelihoodLimit", "published_workspace", "published_likelihood_limit"]


class LikelihoodLimit(NamedTuple):
    mu_up_observed: float
    mu_up_expected: float
    workspace: str  #: the file, inside lepreint's data
    calculator: str


@functools.lru_cache(maxsize=8)
def _workspace_text(path: str) -> str:
    """A published workspace file, read once per process (a scan patches it at every point)."""
    return resources.files("lepreint").joinpath("data", path).read_text()


#: the name of the sample lepreint adds to a published workspace's channels
SIGNAL_SAMPLE = "lepreint_signal"


def published_workspace(cfg: AnalysisConfig, signal) -> dict:
    """The card's published background-only workspace with ``signal`` (events per signal region) added."""
    if not cfg.likelihood:
        raise LepreintError(f"analysis {cfg.name} has no published likelihood (the card's 'likelihood')")
    spec = json.loads(_workspace_text(cfg.likelihood))  # a fresh copy to patch
    s = [float(x) for x in np.atleast_1d(signal)]
    if len(s) != len(cfg.likelihood_channels):
        raise LepreintError(f"{len(s)} signal yields for {len(cfg.likelihood_channels)} channels of {cfg.likelihood}")
    poi = spec["measurements"][0]["config"]["poi"]
    lumi = any(p["name"] == "lumi" for p in spec["measurements"][0]["config"].get("parameters", []))
    by_name = {c["name"]: c for c in spec["channels"]}
    for name, x in zip(cfg.likelihood_channels, s):
        if name not in by_name:
            raise LepreintError(f"{cfg.likelihood}: no channel {name!r} (it has {', '.join(by_name)})")
        mods = [{"name": poi, "type": "normfactor", "data": None}]
        if lumi:
            mods.append({"name": "lumi", "type": "lumi", "data": None})
        by_name[name]["samples"].append({"name": SIGNAL_SAMPLE, "data": [x], "modifiers": mods})
    return spec


def published_likelihood_limit(cfg: AnalysisConfig, signal) -> LikelihoodLimit:
    """The 95% CL CLs upper limit on the signal strength with the card's published likelihood (observed and median
    expected); infinite without signal."""
    import logging

    import pyhf
    from pyhf.infer.intervals.upper_limits import toms748_scan

    s = np.atleast_1d(np.asarray(signal, dtype=float))
    if not np.any(s > 0):
        return LikelihoodLimit(math.inf, math.inf, cfg.likelihood or "", "asymptotic")
    # in units where the limit is O(1): the signal scaled to about the events a limit needs (3 without background,
    # ~2 sqrt(B) with a large one, B the workspace's total), the result scaled back
    spec = published_workspace(cfg, s)
    samples = [smp for ch in spec["channels"] for smp in ch["samples"]]
    bkg = sum(float(np.sum(smp["data"])) for smp in samples if smp["name"] != SIGNAL_SAMPLE)
    unit = (3.0 + 2.0 * math.sqrt(max(bkg, 0.0))) / float(s.sum())
    for smp in samples:
        if smp["name"] == SIGNAL_SAMPLE:
            smp["data"] = [x * unit for x in smp["data"]]
    ws = pyhf.Workspace(spec)
    model = ws.model()
    data = ws.data(model)
    pyhf.set_backend("numpy")
    quiet = logging.getLogger("pyhf")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    from pyhf.exceptions import FailedMinimization

    try:
        bounds = model.config.suggested_bounds()
        bounds[model.config.poi_index] = (0.0, 100.0)
        with np.errstate(all="ignore"):
            obs, exp = toms748_scan(
                data, model, 0.01, 10.0, level=0.05, par_bounds=bounds, test_stat="qtilde", calctype="asymptotics"
            )
    except (FailedMinimization, ValueError) as e:  # a failed fit, or the limit beyond the POI's range
        raise LepreintError(
            f"the published likelihood {cfg.likelihood} gave no limit for S = {s.tolist()}: {_first_line(e)}"
        ) from None
    finally:
        quiet.setLevel(level)
    return LikelihoodLimit(float(obs) * unit, float(np.ravel(exp)[2]) * unit, cfg.likelihood or "", "asymptotic")
