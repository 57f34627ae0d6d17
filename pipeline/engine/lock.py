"""One run at a time per project tree.

The lock is an ``flock`` on ``reports/.run.lock``: the operating system releases it when the
owning process ends, however it ends, so a lock left by a dead run is never in the way (it is
"taken over" simply by locking the file again) and two runs can never both believe they hold
it — which a pid file checked by hand cannot promise. The file also records the owner's pid,
host and start time, for the message a second run prints while it waits (or when it refuses,
with ``wait=False``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

LOCK_NAME = ".run.lock"


class LockBusy(RuntimeError):
    """Another run holds the lock and this one was asked not to wait."""


def _owner(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (OSError, ValueError, KeyError):
        return "another process"


@contextlib.contextmanager
def run_lock(reports: Path, *, wait: bool = True, timeout: float | None = None,
             say=print, poll: float = 0.5):
    """Hold the project's run lock for the duration of the block.

    Args:
        reports: the ``reports`` folder (created if missing).
        wait: wait for another run to finish (True) or raise :class:`LockBusy` (False).
        timeout: give up waiting after this many seconds (None: wait as long as it takes).
        say: where the waiting message goes.
        poll: seconds between attempts.

    Raises:
        LockBusy: when another run holds the lock and ``wait`` is False or ``timeout`` passed.
    """
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        _acquire(fd, path, wait=wait, timeout=timeout, say=say, poll=poll)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "started": datetime.now(UTC).isoformat(timespec="seconds")})
                 .encode())
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _acquire(fd: int, path: Path, *, wait: bool, timeout: float | None, say, poll: float):
    started = time.monotonic()
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        owner = _owner(path)
        if not wait:
            raise LockBusy(f"another innsikt run ({owner}) is writing {path.parent}; wait for "
                           "it to finish, or run in another copy of the project")
        if timeout is not None and time.monotonic() - started > timeout:
            raise LockBusy(f"gave up after {timeout:.0f} s waiting for another innsikt run "
                           f"({owner}) to finish writing {path.parent}")
        if not told:
            say(f"… another innsikt run ({owner}) is writing {path.parent}; waiting for it to "
                "finish (Ctrl-C to stop)", flush=True)
            told = True
        time.sleep(poll)
