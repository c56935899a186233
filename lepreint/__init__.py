"""lepreint: reinterpret LHC searches for soft, displaced leptons.

Every CLI subcommand is a public function of the same name here::

    import lepreint
    lepreint.background(pt_e=20, pt_mu=20, lumi=140, mode="published")
    lepreint.limit([174, 157, 283], [221997, 34688, 1318]).R95
    lepreint.xsec("wino-c1c1", 220).xsec_fb

The functions shadow the submodules of the same name in this namespace (``lepreint.background``
is the function); inside the package and in tests, import names from the submodules
(``from lepreint.background import kappa_formula``).

Internal units: GeV, mm, ns; cross sections fb; luminosity fb^-1.
"""

from ._version import __version__
from .background import background
from .cards import load_card
from .stats import limit
from .validation import validate
from .xsec import xsec

__all__ = ["__version__", "background", "limit", "load_card", "validate", "xsec"]
