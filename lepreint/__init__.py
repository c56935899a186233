"""lepreint: reinterpret LHC searches for soft, displaced leptons.

One function per command-line subcommand, with the same options and a typed result (``to_dict()`` is what
``--json`` prints)::

    import lepreint
    s = lepreint.generate("coscattering", mc="220 GeV", dm="20 GeV", ctau="1 cm", events=2000)
    r = lepreint.simulate(s.sample_id, lumi="140 /fb")
    print(r.S, r.B, r.R95, r.excluded)            # R95 > 1: excluded at 95% CL
    grid = lepreint.scan(mc="200:400:100", dm="20", ctau="1mm:1m:log7", events=2000)
    lepreint.limit([174, 157, 283], [221997, 34688, 1318]).R95
    lepreint.xsec("wino-c1c1", 220, sqrt_s="13 TeV").xsec_fb

Numbers are in lepreint's internal units (GeV, mm, ns; cross sections fb; luminosity fb^-1); strings carry
their unit (``"1 cm"``, ``"140 /fb"``, ``"1.2 pb"``).  Cards are paths or names of shipped cards.  Importing
lepreint changes no global state (plots use their own figures, nothing is configured at import).
"""

from lepreint._version import __version__
from lepreint.api import (
    GenerateResult,
    InspectResult,
    ScanResult,
    SimulateResult,
    TrainResult,
    generate,
    inspect,
    scan,
    simulate,
    train,
    xsec,
    yields,
)
from lepreint.config.cards import load_card
from lepreint.stats.heavy_flavour import background
from lepreint.stats.limits import limit

__all__ = [
    "GenerateResult",
    "InspectResult",
    "ScanResult",
    "SimulateResult",
    "TrainResult",
    "__version__",
    "background",
    "generate",
    "inspect",
    "limit",
    "load_card",
    "scan",
    "simulate",
    "train",
    "xsec",
    "yields",
]
