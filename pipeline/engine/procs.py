"""Process hygiene: every process a run starts ends with it.

Three mechanisms, because each covers a case the others miss:

- **Parent-death signal** (Linux ``prctl(PR_SET_PDEATHSIG)``): a worker or kernel is killed by
  the kernel of the operating system when the process that started it dies, even by SIGKILL,
  when no clean-up code of ours can run.
- **Run token**: every process of a run inherits ``INNSIKT_RUN_TOKEN`` in its environment
  (kernels too: Jupyter copies the environment). :func:`reap` ends the processes that still carry
  the token when the run returns — a last net under the orderly shutdown, and what the tests
  use to check that nothing is left.
- **Signals**: workers ignore SIGINT (Ctrl-C reaches the whole foreground process group; the
  parent decides), and SIGTERM in the parent becomes the same orderly shutdown as Ctrl-C.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
import time
import uuid
from pathlib import Path

TOKEN_VAR = "INNSIKT_RUN_TOKEN"
PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask the OS to send ``sig`` to this process when its parent dies (Linux; else no-op).

    Safe to call in a ``preexec_fn`` (between fork and exec) and in a worker initializer.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: rely on the run token and shutdown
        return


def kernel_preexec() -> None:
    """``preexec_fn`` for kernels: die with the worker that started them.

    Only valid when the kernel is started from the worker's main thread: the parent-death
    signal fires when the *thread* that forked exits.
    """
    die_with_parent(signal.SIGKILL)


@contextlib.contextmanager
def run_token():
    """Mark every process started inside the block with a run token; reap them at the end.

    The token is inherited from the environment when set (tests and operators can then look
    for the run's processes), else new. It is removed from this process's environment after
    the block, so processes started later (e.g. a Dask cluster in the same session) are not
    taken for the run's.
    """
    inherited = os.environ.get(TOKEN_VAR)
    token = inherited or uuid.uuid4().hex
    os.environ[TOKEN_VAR] = token
    tracker_before = _resource_tracker_pid()
    try:
        yield token
    finally:
        if inherited is None:
            os.environ.pop(TOKEN_VAR, None)
        if tracker_before is None:
            stop_resource_tracker()
        reap(token)


def _resource_tracker_pid() -> int | None:
    from multiprocessing import resource_tracker

    return getattr(resource_tracker._resource_tracker, "_pid", None)


def stop_resource_tracker(wait: float = 2.0) -> None:
    """End the resource tracker ``multiprocessing`` started for the run's pool, if any.

    It carries the run token and ignores SIGTERM by design, so :func:`reap` would wait its whole
    grace period and then SIGKILL it (and the next pool would warn that it "died
    unexpectedly"). Closing our end of its pipe is how ``multiprocessing`` itself stops it: it
    releases what it still tracks and exits once no process holds the pipe. The pool's workers
    are gone by now, so that is at once; if some other child of this process still holds it,
    this waits at most ``wait`` seconds and :func:`reap` ends it as before. A later pool starts
    a new one. Only called for a tracker the run started: one that was running before belongs
    to whatever started it (a Dask cluster in the same session, say).
    """
    from multiprocessing import resource_tracker

    tracker = resource_tracker._resource_tracker
    with contextlib.suppress(Exception):  # private API: at worst reap() ends it as before
        with tracker._lock:
            fd, pid = tracker._fd, tracker._pid
            if fd is None or pid is None:
                return
            tracker._fd = tracker._pid = None
            os.close(fd)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
            time.sleep(0.01)


def _stat(pid: int | str) -> list[str]:
    """Fields of ``/proc/<pid>/stat`` after the command name (state is field 0)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def processes_with_token(token: str, *, started_after_self: bool = False) -> list[int]:
    """Pids of live processes (other than this one) whose environment carries ``token``.

    Args:
        token: the run token.
        started_after_self: only processes started after this one — never an ancestor (a
            shell that exported the token by hand must not be ended by :func:`reap`).
    """
    needle = f"{TOKEN_VAR}={token}".encode()
    own_start = int(_stat("self")[19])
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            fields = _stat(entry.name)
        except OSError:  # gone, or not ours to read
            continue
        if fields[0] == "Z" or needle not in environ.split(b"\0"):
            continue
        if started_after_self and int(fields[19]) < own_start:
            continue
        found.append(int(entry.name))
    return found


def reap(token: str, grace: float = 3.0) -> list[int]:
    """End what is left of a run: SIGTERM, then SIGKILL after ``grace`` seconds.

    Returns:
        The pids that were still running when called (empty after a clean shutdown).
    """
    if not Path("/proc").is_dir():
        return []
    left = processes_with_token(token, started_after_self=True)
    for pid in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and processes_with_token(token, started_after_self=True):
        time.sleep(0.1)
    for pid in processes_with_token(token, started_after_self=True):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return left


class Interrupted(KeyboardInterrupt):
    """SIGTERM turned into the same orderly shutdown as Ctrl-C."""


@contextlib.contextmanager
def terminate_as_interrupt():
    """While active, SIGTERM raises :class:`Interrupted` in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Interrupted(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def loopback_ok() -> bool:
    """Whether a TCP socket can be bound and reached on 127.0.0.1 (what kernels use).

    Here rather than in :mod:`pipeline.engine.kernels` so the run can check before it starts
    its workers without importing papermill and nbclient (most of a second) first.
    """
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            with socket.create_connection(server.getsockname(), timeout=2):
                pass
        return True
    except OSError:
        return False
