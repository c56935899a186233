"""Worker processes: the one place that says how they are started and how they behave on Ctrl-C.

lepreint's pools fork (the workers inherit the sample and the cards without pickling them).  A forked child
has only the thread that forked it; should its garbage collector finalise an object the parent left behind in
a reference cycle, and that object's finaliser need one of the parent's threads (TensorFlow's, after
``lepreint.train`` in the same process or notebook), the child hangs or aborts.  So every fork happens with
the parent's objects frozen (``gc.freeze``, the idiom the Python documentation gives for forking servers): a
child never collects what it inherited, and the parent collects its own garbage as before once the fork is
done.
"""

from __future__ import annotations

import gc
import multiprocessing.context as mpc
import signal

__all__ = ["fork_context", "ignore_sigint"]


def ignore_sigint() -> None:
    """Pool initializer: worker processes leave Ctrl-C to the parent, which stops the pool and says in one line
    what was kept (instead of a traceback from every worker); what a worker finished is already on disk."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _FrozenForkProcess(mpc.ForkProcess):
    def start(self) -> None:
        frozen_before = gc.get_freeze_count()
        gc.freeze()  # the child inherits every existing object as frozen: its collector never finalises them
        try:
            super().start()
        finally:
            if not frozen_before:  # a caller's own freeze is left as it was (with ours inside it)
                gc.unfreeze()


class _FrozenForkContext(mpc.ForkContext):
    Process = _FrozenForkProcess  # type: ignore[assignment]


_CONTEXT = _FrozenForkContext()


def fork_context() -> mpc.ForkContext:
    """The multiprocessing context of every lepreint pool (``Pool``, ``ProcessPoolExecutor``): fork, with the
    parent's objects frozen at each fork (module docstring)."""
    return _CONTEXT
