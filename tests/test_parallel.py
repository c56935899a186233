"""Forked workers never finalise what the parent left behind (lepreint.parallel)."""

from __future__ import annotations

import gc
import os

from lepreint.parallel import fork_context, ignore_sigint


class _Finalised:
    """Reports the process that finalised it (a file named by its pid): TensorFlow's objects need the parent's
    threads there, which a forked child does not have."""

    def __init__(self, folder):
        self.folder = folder
        self.cycle = self

    def __del__(self):
        open(os.path.join(self.folder, str(os.getpid())), "w").close()


def _collect(_):
    gc.collect()
    return os.getpid()


def test_a_forked_worker_does_not_collect_the_parents_garbage(tmp_path):
    enabled = gc.isenabled()
    gc.disable()  # the garbage stays uncollected in the parent until the fork, as it may at any moment
    try:
        for _ in range(3):
            _Finalised(str(tmp_path))  # unreachable at once, freed only by a collection
        with fork_context().Pool(2, initializer=ignore_sigint) as pool:
            children = set(pool.map(_collect, range(8), chunksize=1))
        assert children and os.getpid() not in children
        # the children collected, but not what they inherited
        assert not {p.name for p in tmp_path.iterdir()} & {str(c) for c in children}
        gc.collect()  # the parent still can
        assert {p.name for p in tmp_path.iterdir()} == {str(os.getpid())}
    finally:
        if enabled:
            gc.enable()


def test_without_the_frozen_fork_the_children_would_collect_it(tmp_path):
    """The test above means something: a plain fork lets a child finalise the parent's garbage."""
    import multiprocessing as mp

    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(3):
            _Finalised(str(tmp_path))
        with mp.get_context("fork").Pool(2) as pool:
            children = set(pool.map(_collect, range(8), chunksize=1))
        assert {p.name for p in tmp_path.iterdir()} & {str(c) for c in children}
    finally:
        gc.collect()
        if enabled:
            gc.enable()
