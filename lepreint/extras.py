"""Optional dependencies: what each extra brings, and one clear message when it is missing.

lepreint's core (generation, detector, analyses, statistics, scans, plots) needs none of them:

==========  ==========================  ===============================================
extra       packages                    used by
==========  ==========================  ===============================================
train       tensorflow-cpu, keras       ``lepreint train`` (inference uses numpy only)
dask        dask[distributed]           ``lepreint scan --dask-local / --scheduler``
hepdata     hepdata_lib                 the HEPData tables a scan writes
plots       mplhep                      the CMS style of the plots (plain matplotlib otherwise)
==========  ==========================  ===============================================
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from lepreint.errors import LepreintError

__all__ = ["available", "require"]


def available(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or say in one line which extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise LepreintError(f"{purpose} needs {module.split('.')[0]}: pip install 'lepreint[{extra}]'") from None
