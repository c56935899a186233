"""Built-in models: name -> module.  Each module provides check_parameters, DEFAULT_OPTIONS,
DEFAULT_OVERSAMPLING, DEFAULT_XSEC_SOURCE, DEFAULT_CHUNK, pythia_setup, llp_decay and cross_section
(see ``lepreint.events.generation.engine``)."""

MODELS = {
    "coscattering": "lepreint.models.coscattering",
    "bbbar": "lepreint.models.heavy_flavour",
    "higgsino": "lepreint.models.higgsino",
    "hnl": "lepreint.models.hnl",
}
