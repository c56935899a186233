"""lepreint's validation against the paper's and the experiments' published numbers (``make validate``).

It lives beside its reference numbers (``reference/``) and report (``report/``), outside the installed
package: it imports lepreint, never the other way round.  ``python -m validation`` runs it."""

from validation import atlas, cms_exo18003, cms_stops, events, lifetime, nn, searches, slepton_lo, yields  # noqa: F401  (the producers register themselves)
from validation.core import Record, producer, reference_dir, unexplained_failures, validate

__all__ = ["Record", "producer", "reference_dir", "unexplained_failures", "validate"]
