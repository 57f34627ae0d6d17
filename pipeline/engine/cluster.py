"""Dask distributed: the same notebook tasks on an existing cluster, beyond one machine.

``innsikt run --scheduler tcp://host:8786`` (or ``INNSIKT_DASK_SCHEDULER``) connects a
``distributed.Client`` to a running scheduler and submits the very functions the local pool runs
(:mod:`pipeline.engine.tasks`), so a national batch of area reports spreads over as many
machines as the cluster has. Why Dask distributed: it is the well-kept Python scheduler for
exactly this (a task graph of Python functions over many worker processes and hosts, with
retries on lost workers, a dashboard, and ``LocalCluster`` for tests), and it needs no
service beyond its own scheduler.

The workers must share the checkout and the data at the same path (``INNSIKT_ROOT``), e.g. a
network file system; each worker process keeps its own warm kernels, and they are shut down on
every worker when the batch ends (``Client.run``). Outputs are written by the workers into the
run's staging folder; the runner publishes them as it does for the local pool, so the results
are byte-identical to the local engine's.

A national batch on a cluster (every host has the checkout, its ``.venv`` and the processed data
at the same path, e.g. ``/srv/innsikt`` on a shared file system)::

    # scheduler host
    /srv/innsikt/.venv/bin/dask scheduler                      # listens on tcp://<host>:8786
    # each worker host: one thread per worker process (one warm kernel each)
    cd /srv/innsikt && INNSIKT_ROOT=/srv/innsikt \
        .venv/bin/dask worker tcp://<scheduler>:8786 --nworkers 2 --nthreads 1
    # from the checkout
    make areas AREAS=all SCHEDULER=tcp://<scheduler>:8786
    # or: INNSIKT_DASK_SCHEDULER=tcp://<scheduler>:8786 innsikt run --areas all

The run lock, staging and publishing stay on the machine that runs ``innsikt run``; the
workers write only into that run's staging folder on the shared file system.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any


class DaskPool:
    """Submit tasks to a Dask scheduler (the interface of :class:`.pool.LocalPool`)."""

    name = "dask"

    def __init__(self, scheduler: Any, *, root: Path) -> None:
        from distributed import Client

        # `scheduler` is an address, or a cluster object (tests pass a LocalCluster).
        self.client = Client(scheduler, set_as_default=False)
        self.root = Path(root)
        info = self.client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))
        # One task per worker queued ahead: a worker need not wait for the round trip to the
        # scheduler and back before it starts its next task.
        self.prefetch = self.workers

    def submit(self, func: Callable[[dict], dict], spec: dict[str, Any]):
        # pure=False: two targets may share a spec shape; each submission is its own work.
        return self.client.submit(func, spec, pure=False)

    def as_completed(self, futures: Iterable) -> Iterator:
        from distributed import as_completed

        # This client is not the process's default one (set_as_default=False): say whose loop.
        return iter(as_completed(list(futures), loop=self.client.loop))

    def close(self, *, interrupted: bool = False) -> None:
        from pipeline.engine import tasks

        with contextlib.suppress(Exception):
            self.client.run(tasks.shutdown_kernels)
        with contextlib.suppress(Exception):
            self.client.close()
