"""``lepreint check``: a card is valid when the command that uses it accepts it.

Beyond the schema (``lepreint.config.cards.load_card``), each kind is handed to its consumer's own checks: a model card
becomes a generation request (parameters, thresholds, options), a scan card a scan configuration (axes,
options, every generation request of its grid), an analysis card its typed view, a detector card a detector,
a benchmarks card its points.  Nothing is generated.
"""

from __future__ import annotations

from lepreint.config.cards import Card, analysis_config, benchmarks, load_card
from lepreint.detector.simulate import Detector
from lepreint.errors import LepreintError
from lepreint.events.generation.engine import build_request
from lepreint.results.scan import ScanConfig, check_config

__all__ = ["check_card"]


def check_card(path) -> Card:
    """Load ``path`` and run the semantic checks of the command that will use it; raises ``LepreintError``."""
    card = load_card(path)
    try:
        if card.kind == "model":
            build_request(card)
        elif card.kind == "scan":
            check_config(ScanConfig.from_card(card))
        elif card.kind in ("analysis", "combination"):
            analysis_config(card)
        elif card.kind == "detector":
            Detector(card)
        elif card.kind == "benchmarks":
            benchmarks(card.path)
    except LepreintError as e:
        msg = str(e)
        raise LepreintError(msg if msg.startswith(str(card.path)) else f"{card.path}: {msg}") from None
    return card
