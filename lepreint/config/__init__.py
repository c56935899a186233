"""Cards: YAML files validated against versioned JSON Schemas (``lepreint/schemas``), their typed views, and the
semantic checks of the commands that use them (``check``).  The shipped cards live in ``lepreint/data/cards``."""
