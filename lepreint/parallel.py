"""Worker processes: the one place that says how they behave on Ctrl-C."""

from __future__ import annotations

import signal

__all__ = ["ignore_sigint"]


def ignore_sigint() -> None:
    """Pool initializer: worker processes leave Ctrl-C to the parent, which stops the pool and says in one line
    what was kept (instead of a traceback from every worker); what a worker finished is already on disk."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
