"""Warm kernels: one Jupyter kernel per worker thread, started once, reused for every notebook.

papermill still executes each notebook (its parameters cell, its per-cell metadata and its
error handling are unchanged): :class:`WarmEngine` is a papermill engine that hands papermill's
own notebook client an already running kernel and its client instead of starting new ones.
Before each notebook the kernel runs :func:`pipeline.engine.warm.clean` (empty namespace,
execution counter at 1, figures closed, matplotlib settings restored).

A kernel that died (or timed out) is shut down and a fresh one is started for the next
notebook. :func:`shutdown_all` ends every kernel of this process; workers call it when they
exit, and the Dask engine calls it on every worker at the end of a batch.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import nbclient.client as nbclient_module
from nbformat import NotebookNode
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from pipeline.engine import procs
from pipeline.engine.procs import loopback_ok

KERNEL_NAME = "python3"
ENGINE_NAME = "innsikt-warm"
START_TIMEOUT = 60


class KernelStartError(RuntimeError):
    """A kernel could not be started (most often: no loopback networking)."""


class WarmKernel:
    """A started, pre-imported kernel with a connected client."""

    def __init__(self, cwd: Path) -> None:
        from jupyter_client import KernelManager

        self.cwd = Path(cwd)
        self.km = KernelManager(kernel_name=KERNEL_NAME)
        # The kernel's own start-up chatter would drown the progress lines: it goes to a log
        # (the notebook's stream output is logged per notebook by papermill).
        self.log = tempfile.NamedTemporaryFile("ab", prefix="innsikt-kernel-", suffix=".log",
                                               delete=False)
        # As nbclient does for its own kernels: history in memory, so kernels never share (or
        # clash on) an SQLite history file when the execution counter is set back to 1.
        kwargs: dict[str, Any] = {"cwd": str(self.cwd), "stdout": self.log, "stderr": self.log,
                                  "extra_arguments": ["--HistoryManager.hist_file=:memory:"]}
        if threading.current_thread() is threading.main_thread():
            # Kill the kernel with this worker even if the worker is SIGKILLed.
            kwargs["preexec_fn"] = procs.kernel_preexec
        try:
            self.km.start_kernel(**kwargs)
            self.kc = self.km.client()
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=START_TIMEOUT)
        except Exception as exc:
            self.shutdown()
            raise KernelStartError(_start_hint(exc)) from exc
        self.run(f"from pipeline.engine import warm as _w; _w.prepare({str(self.cwd)!r}); "
                 "del _w")

    def run(self, code: str, timeout: float = 120) -> None:
        """Run ``code`` silently (no history, no execution count); raise if it fails."""
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        while True:
            reply = self.kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content.get("status") != "ok":
            raise RuntimeError(f"kernel set-up failed: {content.get('ename')}: "
                               f"{content.get('evalue')}")

    def alive(self) -> bool:
        try:
            return bool(self.km.is_alive())
        except Exception:  # noqa: BLE001 — a broken manager is a dead kernel
            return False

    def clean(self) -> None:
        self.run("from pipeline.engine import warm as _w; _w.clean()")

    def shutdown(self) -> None:
        """Stop the client's channels and the kernel process (now, not politely)."""
        with contextlib.suppress(Exception):
            if getattr(self, "kc", None) is not None:
                self.kc.stop_channels()
        with contextlib.suppress(Exception):
            if self.km.has_kernel:
                self.km.shutdown_kernel(now=True)
        with contextlib.suppress(Exception):
            self.km.cleanup_resources()
        with contextlib.suppress(Exception):
            self.log.close()
            os.unlink(self.log.name)


def _start_hint(exc: BaseException) -> str:
    if not loopback_ok():
        return ("the notebook kernel could not start: this machine has no loopback "
                "networking (127.0.0.1), which Jupyter kernels need to talk to the runner; "
                "enable the loopback interface (for example `ip link set lo up`, or run the "
                "container without --network none)")
    return f"the notebook kernel could not start: {type(exc).__name__}: {exc}"


SAVE_EVERY = 10.0  # seconds between papermill's saves of a running notebook


class WarmEngine(NBClientEngine):
    """papermill engine that executes on a kernel given as ``warm=<WarmKernel>``.

    papermill saves the whole notebook at every cell's start and end (twenty writes of a
    notebook with inline SVG figures cost a second or more); here a running notebook is saved
    at most every :data:`SAVE_EVERY` seconds (so a long notebook can still be watched), and
    papermill's own final write (or its write on a failing cell) saves the result. With
    ``relative_to=<project root>`` the recorded input and output paths are made relative
    before that final write (see :func:`relative_paths`).
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 **kwargs):
        warm: WarmKernel = kwargs.pop("warm")
        root = kwargs.pop("relative_to", None)
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                             kernel_name=kernel_name, log_output=log_output,
                             stdout_file=stdout_file, stderr_file=stderr_file)
        client = PapermillNotebookClient(nb_man, km=warm.km, **final)
        client.kc = warm.kc  # reuse the connected client: nbclient skips its own start-up
        save = nb_man.save
        last = [time.monotonic()]

        def save_rarely(**save_kwargs):
            if time.monotonic() - last[0] >= SAVE_EVERY:
                save(**save_kwargs)
                last[0] = time.monotonic()

        nb_man.save = save_rarely
        try:
            return client.execute()
        except BaseException:
            save()  # a dead kernel, a timeout: keep what ran, as papermill would
            raise
        finally:
            if root is not None:
                relative_paths(nb_man.nb, Path(root))


def relative_paths(nb, root: Path) -> bool:
    """Papermill records absolute input and output paths; keep the checkout's location out of
    published notebooks (the notebook path relative to the project, the output by its name).

    Returns:
        Whether a path was changed.
    """
    meta = nb.metadata.get("papermill", {})
    changed = False
    for key in ("input_path", "output_path"):
        value = meta.get(key)
        if value and os.path.isabs(value):
            path = Path(value)
            meta[key] = (path.relative_to(root).as_posix() if key == "input_path"
                         and path.is_relative_to(root) else path.name)
            changed = True
    return changed


papermill_engines.register(ENGINE_NAME, WarmEngine)

# An output's fields by message type, as nbformat's ``output_from_msg`` takes them.
_OUTPUT_FIELDS = {"execute_result": ("metadata", "data", "execution_count"),
                  "display_data": ("metadata", "data"), "stream": ("name", "text"),
                  "error": ("ename", "evalue", "traceback")}


def output_from_msg(msg: dict) -> Any:
    """nbformat's ``output_from_msg`` without its schema check of every single output.

    nbclient builds each output with nbformat, which checks it against the notebook schema
    with jsonschema as it arrives: about 3 ms an output, 0.14 s of a report notebook's 50
    outputs, a third of the warm engine's own time per notebook. papermill checks the whole
    notebook against the same schema (with fastjsonschema) when it writes it, so nothing goes
    unchecked; only the check per output is left out. The output itself is the same node.
    """
    kind = msg["header"]["msg_type"]
    if kind not in _OUTPUT_FIELDS:
        raise ValueError(f"Unrecognized output msg type: {kind!r}")  # as nbformat's says
    output = NotebookNode(output_type=kind)
    output.update({name: msg["content"][name] for name in _OUTPUT_FIELDS[kind]})
    return output


# Only this process's nbclient (a worker's, which executes report notebooks) uses it.
nbclient_module.output_from_msg = output_from_msg

_LOCK = threading.Lock()
_IDLE: list[WarmKernel] = []
_ALL: list[WarmKernel] = []


@contextlib.contextmanager
def lease(cwd: Path):
    """A clean warm kernel for one notebook; it goes back to the pool afterwards.

    The kernel is cleaned when it comes back, not when it is next leased: its last notebook's
    namespace and memory are given up while its worker renders (lays out PDFs), so the two do
    not hold their peaks at once. A kernel that died during the notebook, or cannot be
    cleaned, is shut down instead of returned.
    """
    with _LOCK:
        kernel = next((k for k in _IDLE if k.cwd == Path(cwd)), None)
        if kernel is not None:
            _IDLE.remove(kernel)
    if kernel is not None and not kernel.alive():
        _forget(kernel)
        kernel = None
    if kernel is None:
        kernel = WarmKernel(cwd)
        with _LOCK:
            _ALL.append(kernel)
    healthy = False
    try:
        yield kernel
        healthy = kernel.alive()
    finally:
        if healthy:
            try:
                kernel.clean()
            except Exception:  # noqa: BLE001 — a kernel that cannot be cleaned is replaced
                healthy = False
        if healthy:
            with _LOCK:
                _IDLE.append(kernel)
        else:
            _forget(kernel)


def _forget(kernel: WarmKernel) -> None:
    kernel.shutdown()
    with _LOCK:
        if kernel in _ALL:
            _ALL.remove(kernel)
        if kernel in _IDLE:
            _IDLE.remove(kernel)


def warm_up(cwd: Path) -> None:
    """Start one kernel now (so its imports overlap with other work) and put it in the pool."""
    with lease(cwd):
        pass


def shutdown_all() -> int:
    """Shut down every kernel this process started. Returns how many there were."""
    with _LOCK:
        kernels = list(_ALL)
        _ALL.clear()
        _IDLE.clear()
    for kernel in kernels:
        kernel.shutdown()
    return len(kernels)
