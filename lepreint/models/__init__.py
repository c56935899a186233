"""Built-in models: name -> module.  Each module has the attributes of ``lepreint.models.base.Model``
(check_parameters, DEFAULT_OPTIONS, DEFAULT_OVERSAMPLING, DEFAULT_XSEC_SOURCE, DEFAULT_CHUNK, pythia_setup,
llp_decay, cross_section) and, if it can be scanned, ``SCAN`` (a ``ScanPlane``).  Adding a model is adding its
module and one line here."""

import importlib

from lepreint.errors import LepreintError

MODELS = {
    "coscattering": "lepreint.models.coscattering",
    "bbbar": "lepreint.models.heavy_flavour",
    "higgsino": "lepreint.models.higgsino",
    "hnl": "lepreint.models.hnl",
    "stop": "lepreint.models.stop",
    "slepton": "lepreint.models.slepton",
}


def model_module(name: str):
    """The module implementing a registered model."""
    if name not in MODELS:
        raise LepreintError(f"unknown model {name!r}; built-in models: {', '.join(sorted(MODELS))}")
    return importlib.import_module(MODELS[name])


def scan_plane(name: str):
    """The ``ScanPlane`` of a model, or a one-line error when it cannot be scanned."""
    plane = getattr(model_module(name), "SCAN", None)
    if plane is None:
        scannable = [m for m in MODELS if getattr(model_module(m), "SCAN", None) is not None]
        raise LepreintError(f"model {name!r} cannot be scanned (scannable: {', '.join(scannable)})")
    return plane
