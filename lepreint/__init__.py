"""lepreint: reinterpret LHC searches for soft, displaced leptons.

Every CLI subcommand is a public function of the same name here::

    import lepreint
    lepreint.background(pt_e=20, pt_mu=20, lumi=140, mode="published")
    lepreint.limit([174, 157, 283], [221997, 34688, 1318]).R95
    lepreint.xsec("wino-c1c1", 220).xsec_fb

The functions shadow the submodules of the same name in this namespace (``lepreint.stats.heavy_flavour``
is the function); inside the package and in tests, import names from the submodules
(``from lepreint.stats.heavy_flavour import kappa_formula``).

Internal units: GeV, mm, ns; cross sections fb; luminosity fb^-1.
"""

from lepreint._version import __version__
from lepreint.config.cards import load_card
from lepreint.models.xsec import xsec
from lepreint.stats.heavy_flavour import background
from lepreint.stats.limits import limit

__all__ = ["__version__", "background", "limit", "load_card", "xsec"]
