"""What a user gets back: scans over a model's parameters (``scan``, with the fast c tau path ``fast_scan``),
excluded ranges, mass reach and plots (``plots``), HEPData tables (``hepdata``), the main job (``demo``)."""
