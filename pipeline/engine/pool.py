"""The local engine: a pool of worker processes, each owning one warm kernel.

Workers are started with ``spawn`` (no copied locks or threads from the parent) and at once
start and warm their kernel, so the imports of every worker overlap. A worker:

- dies with the run (parent-death signal), and its kernel dies with it;
- ignores Ctrl-C (the run decides, then shuts the pool down in order);
- on SIGTERM, or when the pool is shut down, ends its kernel before it exits.

:class:`LocalPool` and :class:`pipeline.engine.cluster.DaskPool` have the same small interface
(``submit``, ``as_completed``, ``close``, ``workers``), so the runner does not care which one it
drives.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline.engine import procs


def _on_term(signum, frame) -> None:
    from pipeline.engine import kernels

    kernels.shutdown_all()
    os._exit(128 + signum)


def _leave_now() -> None:
    """End a worker process without the interpreter's teardown (its output flushed first)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


def _init_worker(root: str, notebooks: str, warm: bool) -> None:
    """Worker initializer: project, signals, parent-death, clean-up at exit, warm kernel."""
    os.environ["INNSIKT_ROOT"] = root
    procs.die_with_parent(signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_term)
    from pipeline.engine import kernels, tasks

    tasks.start_memory_sampler()
    # multiprocessing runs its Finalize hooks when a worker ends (highest priority first):
    # first the kernel is shut down, then the worker leaves at once. Left to itself a spawned
    # worker would tear its interpreter down module by module (pandas, matplotlib, WeasyPrint),
    # about 0.3 s that the run spends waiting for the pool to close; nothing in it is needed.
    multiprocessing.util.Finalize(None, kernels.shutdown_all, exitpriority=100)
    multiprocessing.util.Finalize(None, _leave_now, exitpriority=-100)
    if warm:
        with contextlib.suppress(Exception):  # the first task reports a kernel that won't start
            kernels.warm_up(Path(notebooks))
    tasks.settle_heap()


class LocalPool:
    """Worker processes on this machine (the default engine)."""

    name = "local"
    prefetch = 0  # a task is handed out when a worker frees up (the pipe's round trip is ~1 ms)

    def __init__(self, workers: int, *, root: Path, warm: bool = True) -> None:
        self.workers = max(1, int(workers))
        self._executor = cf.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker, initargs=(str(root), str(Path(root) / "notebooks"), warm))
        # Start every worker now, from this (main) thread: the parent-death signal is tied
        # to the thread that started the process, and warm-up should overlap with planning.
        for future in [self._executor.submit(os.getpid) for _ in range(self.workers)]:
            future.add_done_callback(lambda f: None)

    def submit(self, func: Callable[[dict], dict], spec: dict[str, Any]) -> cf.Future:
        return self._executor.submit(func, spec)

    @staticmethod
    def as_completed(futures: Iterable[cf.Future]) -> Iterator[cf.Future]:
        return cf.as_completed(list(futures))

    def close(self, *, interrupted: bool = False) -> None:
        """Shut the workers (and so their kernels) down; on interrupt, without waiting."""
        if interrupted:
            # Taken before shutdown(), which forgets them when it does not wait.
            processes = list((getattr(self._executor, "_processes", None) or {}).values())
            self._executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:  # SIGTERM: each worker ends its kernel, then exits
                with contextlib.suppress(Exception):
                    process.terminate()
            for process in processes:
                with contextlib.suppress(Exception):
                    process.join(5)
        else:
            self._executor.shutdown(wait=True, cancel_futures=True)


def make_pool(workers: int, *, root: Path, scheduler: str | None = None):
    """The local pool, or the Dask engine when a scheduler address is given."""
    if scheduler:
        from pipeline.engine.cluster import DaskPool

        return DaskPool(scheduler, root=root)
    return LocalPool(workers, root=root)
