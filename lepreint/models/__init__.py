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


def _number(v):
    """A finite real number as given (a Python int or float kept as it is, so that sample identities stay the
    same), a numpy scalar or a numeric string (YAML reads 5e-2 as a string) as a float; None for anything else."""
    import math
    import numbers

    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v if math.isfinite(v) else None
    if isinstance(v, numbers.Real):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, str):
        try:
            x = float(v)
        except ValueError:
            return None
        return x if math.isfinite(x) else None
    return None


def check_options(name: str, options: dict) -> dict:
    """Every given option of model ``name``, of its default's type: a switch a true boolean (a quoted 'no' is a
    string, not false), a number a finite number (a numeric string or numpy scalar becomes a float), a list of
    numbers as long as the default, a table of numbers with the default's keys, a word one of the model's
    ``OPTION_CHOICES``.  Unknown names are refused too.  Returns the options with their numbers as floats."""
    mod = model_module(name)
    defaults = mod.DEFAULT_OPTIONS
    unknown = set(options) - set(defaults)
    if unknown:
        raise LepreintError(
            f"unknown option(s) {', '.join(sorted(unknown))} for model {name}; known: {', '.join(sorted(defaults))}"
        )
    choices = getattr(mod, "OPTION_CHOICES", {})
    out = {}
    for key, value in options.items():
        d = defaults[key]
        new = value
        if isinstance(d, bool):
            ok, want = isinstance(value, bool), "true or false"
        elif isinstance(d, (int, float)):
            new = _number(value)
            ok, want = new is not None, "a finite number"
        elif isinstance(d, str):
            ok = isinstance(value, str) and (key not in choices or value in choices[key])
            want = f"one of {', '.join(choices[key])}" if key in choices else "a word"
        elif isinstance(d, (list, tuple)):
            ok = isinstance(value, (list, tuple)) and len(value) == len(d)
            new = [_number(x) for x in value] if ok else value
            ok = ok and all(x is not None for x in new)
            want = f"a list of {len(d)} finite numbers"
        elif isinstance(d, dict):
            ok = isinstance(value, dict) and set(value) <= set(d)
            new = {k: _number(x) for k, x in value.items()} if ok else value
            ok = ok and all(x is not None for x in new.values())
            want = f"a table of finite numbers with keys among {', '.join(d)}"
        else:  # pragma: no cover - a model's default of another type
            ok, want = True, ""
        if not ok:
            raise LepreintError(f"option {key} of model {name}: need {want}, got {value!r}")
        out[key] = new
    return out
