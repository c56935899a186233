"""One base class for every error that means "bad input" (card, unit, mass out of range, ...).

The CLI reports these as one line and exit code 2; anything else is a bug and keeps its traceback.
"""


class LepreintError(ValueError):
    """Bad input: the message names the file, field, event or value and what was expected."""
