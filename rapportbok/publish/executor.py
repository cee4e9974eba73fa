"""Execute parameterized notebooks on a few long-lived kernels instead of one fresh kernel each.

A fresh kernel per notebook (plain papermill) spends about as long importing pandas, matplotlib
and pandera as the chapter spends on its work. Here every worker owns one kernel and runs
notebook after notebook on it. Each notebook still goes through papermill's own machinery
(``papermill.execute_notebook``: parameter injection, metadata, error markup, the nbclient
based engine), only with the worker's running kernel passed in, so the written notebook is
what papermill writes with a fresh kernel.

Before each notebook the kernel is put back into the state of a fresh kernel, silently (not in
the notebook, not in the history, not counted):

- the user namespace, ``In``/``Out`` and IPython's execution counter are reset
  (``get_ipython().reset(new_session=True)``), so execution counts start at 1;
- matplotlib figures are closed (rcParams are left alone: rapportbok.present.charts sets them at import);
- the project's package stays imported, and its state is reset instead: ``resets`` (default
  ``rapportbok.core.state:reset``) are called if their module is loaded. Every module of the package
  that keeps state between calls declares it there (the current page of rapportbok.present.tables,
  the lru caches of rapportbok.data.sources, ...) or declares a cache kept on purpose because its
  key covers all it depends on (the validated input of rapportbok.data.datasets): an organisation's files
  are validated once per kernel, not once per notebook. (Importing the package afresh for every notebook
  compiled and executed some forty modules each time: about half a second per notebook.) Packages
  named in ``reimport`` (default none) are still dropped from ``sys.modules`` and imported afresh;
- modules imported from the previous notebook's folder are dropped;
- the garbage collector runs, then freezes what survives (``gc.freeze``): the loaded libraries and
  the kept caches are not scanned again by the next notebook's collections (a full collection over
  pandas, matplotlib and IPython cost some 0,3 s, twice per notebook). It runs once: the collection
  that IPython's ``reset`` makes of its own is skipped (it cost some 25 ms per notebook);
- ``os.environ``, ``warnings.filters`` (and the "shown once" registries) and ``sys.path`` are
  restored to what they were when the kernel started, then ``env`` is applied and the working
  directory is set to the spec's ``cwd`` (``sys.path`` follows it as for a kernel started there).

A notebook that fails (an exception in a cell, the kernel dying, a timeout) is reported for its
spec, and the worker's kernel is shut down; the next notebook on that worker gets a new kernel.

Workers are threads of the calling process; each creates, uses and shuts down its own kernel
(jupyter_client ``AsyncKernelManager``, TCP, CurveZMQ encryption when pyzmq has it). All kernels
are shut down when ``run`` returns, also on an error or KeyboardInterrupt.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import papermill as pm
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, papermill_engines
from papermill.exceptions import PapermillExecutionError

from rapportbok.core import switches
from rapportbok.publish import processes

KERNEL_NAME = "python3"
ENGINE_NAME = "rapportbok-reuse"
REIMPORT: tuple[str, ...] = ()  # packages every notebook imports afresh (none: the package resets its state)
RESETS = ("rapportbok.core.state:reset",)  # called before every notebook, if their module is loaded
START_TIMEOUT = 60  # seconds for a kernel to start and answer
START_ATTEMPTS = 3  # tries to start a kernel
PREPARE_TIMEOUT = 60  # seconds for the reset between notebooks
SHUTDOWN_JOIN = 30  # seconds to wait for a worker thread after a stop


@dataclass(frozen=True)
class Spec:
    key: str  # e.g. "book/alingsas/2025/budget.ipynb"
    template: str  # path to the template notebook (has a cell tagged "parameters")
    out: str  # where to write the executed notebook
    parameters: dict = field(hash=False)  # e.g. {"org": "alingsas", "year": 2025, "tertial": 1}
    cwd: str  # working directory for the kernel while running this notebook
    group: str = ""  # notebooks that read the same input (e.g. the organisation): kept on one kernel


class _Todo:
    """The specs not yet started. A worker keeps to one group while it has specs, and a free worker
    starts a group no other worker is on: a kernel's cache of validated input (rapportbok.data.datasets)
    then serves the whole group. When no such group is left it helps with another worker's group,
    from its end. Specs without a group (``""``) are taken in order."""

    def __init__(self, specs: list[Spec]):
        self._specs = list(specs)
        self._lock = threading.Lock()
        self._active: dict[int, str] = {}  # worker -> its group

    def take(self, worker: int) -> Spec | None:
        with self._lock:
            if not self._specs:
                return None
            mine = self._active.get(worker)
            pick = None
            if mine:
                pick = next((i for i, sp in enumerate(self._specs) if sp.group == mine), None)
            if pick is None:
                busy = {g for w, g in self._active.items() if w != worker}
                pick = next((i for i, sp in enumerate(self._specs) if not sp.group or sp.group not in busy), None)
            if pick is None:
                pick = len(self._specs) - 1
            spec = self._specs.pop(pick)
            self._active[worker] = spec.group
            return spec


class NotebookFailed(Exception):
    """A notebook stopped: the error's name and value, the cell's number (as in the notebook) and the spec's key."""

    def __init__(self, key: str, ename: str, evalue: str, exec_count: int | None = None):
        self.key = key
        self.ename = ename
        self.evalue = evalue
        self.exec_count = exec_count
        where = f", cell {exec_count}" if exec_count else ""
        super().__init__(f"{key}{where}: {ename}: {evalue}")

    def __reduce__(self):
        return NotebookFailed, (self.key, self.ename, self.evalue, self.exec_count)


# -- code run in the kernel before each notebook ------------------------------------------------------
# Runs silently (silent=True, store_history=False): no outputs in the notebook, no history entry and
# no step of the execution counter. Everything it needs is imported inside the function, and the
# function removes itself with the rest of the user namespace.
_PREPARE = r"""
def _rapportbok_prepare(cwd, env, fresh, resets):
    import gc, importlib, os, sys, types, warnings
    state = sys.modules.get("_rapportbok_kernel_state")
    if state is None:  # first notebook on this kernel: remember how a fresh kernel looks
        state = types.ModuleType("_rapportbok_kernel_state")
        state.environ = dict(os.environ)
        state.filters = list(warnings.filters)
        state.start_cwd = os.getcwd()
        state.path = list(sys.path)
        state.cwd = None
        sys.modules[state.__name__] = state
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
    collect, gc.collect = gc.collect, lambda generation=2: 0
    try:  # reset() runs a full collection of its own (DisplayHook.flush); the one below does it once
        get_ipython().reset(new_session=True)
    finally:
        gc.collect = collect

    def local(name, module):  # a top-level module imported from the previous notebook's folder
        origin = getattr(module, "__file__", None) or ""
        return state.cwd is not None and origin in (
            os.path.join(state.cwd, name + ".py"), os.path.join(state.cwd, name, "__init__.py"))

    drop = {name for name, module in list(sys.modules.items())
            if "." not in name and (name in fresh or local(name, module))}
    for name in list(sys.modules):
        if name.split(".")[0] in drop:
            del sys.modules[name]
    importlib.invalidate_caches()
    for name in resets:
        module_name, func = name.split(":")
        module = sys.modules.get(module_name)
        if module is not None:
            getattr(module, func)()
    os.environ.clear()
    os.environ.update(state.environ)
    os.environ.update(env)
    warnings.filters[:] = state.filters
    getattr(warnings, "_filters_mutated", lambda: None)()
    os.chdir(cwd)
    sys.path[:] = [cwd if p == state.start_cwd else p for p in state.path]
    state.cwd = cwd
    gc.collect()
    gc.freeze()
"""


class _PrepareFailed(Exception):
    def __init__(self, ename: str, evalue: str):
        super().__init__(f"{ename}: {evalue}")
        self.ename, self.evalue = ename, evalue


class _Kernel:
    """One kernel with its client, created, used and shut down by a single worker thread."""

    def __init__(self, env: dict[str, str] | None):
        self.env = env
        self.km = None
        self.kc = None
        self.client: PapermillNotebookClient | None = None  # the notebook client of the running notebook
        self.leader: int | None = None  # what processes.end_group needs: the process group (POSIX) or pid (Windows)
        self._stderr = None

    # Each public method runs the coroutine on this thread's event loop (the one nbclient uses too).
    def start(self, cwd: str) -> None:
        from jupyter_core.utils import run_sync

        run_sync(self._start)(cwd)

    def prepare(self, cwd: str, env: dict[str, str], fresh: tuple[str, ...], resets: tuple[str, ...] = RESETS) -> None:
        from jupyter_core.utils import run_sync

        run_sync(self._prepare)(cwd, env, fresh, resets)

    def warm(self, imports: tuple[str, ...]) -> None:
        """Import these modules in the kernel, silently, and call those named ``module:function`` (as
        :data:`RESETS`); one that fails is left to the notebook that needs it."""

        if imports:
            code = (
                "def _rapportbok_warm(names):\n    import importlib\n    for name in names:\n        try:\n"
                "            module, _, function = name.partition(':')\n"
                "            loaded = importlib.import_module(module)\n"
                "            if function:\n                getattr(loaded, function)()\n"
                "        except Exception:\n            pass\n"
                f"_rapportbok_warm({json.dumps(list(imports))})\ndel _rapportbok_warm\n"
            )
            self.silent(code)

    def silent(self, code: str) -> None:
        """Run ``code`` in the kernel without output, history or a step of the execution counter."""
        from jupyter_core.utils import run_sync

        run_sync(self._silent)(code)

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            run_sync(self._shutdown)()
        finally:
            self.kill()  # in case the orderly shutdown failed half-way
            if self._stderr is not None:
                self._stderr.close()
                self._stderr = None

    def kill(self) -> None:
        """Kill the kernel and what it started at once (POSIX process group, Windows process tree); safe from any thread."""
        processes.end_group(self.leader)

    def stderr_tail(self, lines: int = 5) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.flush()
            self._stderr.seek(0)
            text = self._stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        keep = [ln for ln in text.splitlines() if ln.strip() and "without encryption" not in ln]
        return "\n".join(keep[-lines:])

    async def _start(self, cwd: str) -> None:
        import zmq
        from jupyter_client.manager import AsyncKernelManager

        km = AsyncKernelManager(kernel_name=KERNEL_NAME)
        if zmq.has("curve"):
            km.transport_encryption = "auto"  # the kernel would otherwise warn about plain TCP
        self.km = km
        self._stderr = tempfile.TemporaryFile(prefix="rapportbok-kernel-")
        env = {**os.environ, **(self.env or {})}
        # As nbclient starts kernels: history in memory, working directory the notebook's.
        await km.start_kernel(
            extra_arguments=["--HistoryManager.hist_file=:memory:"], cwd=cwd, env=env, stderr=self._stderr
        )
        # jupyter_client starts the kernel in its own process group (POSIX session, Windows CREATE_NEW_PROCESS_GROUP).
        self.leader = processes.group_leader(
            getattr(km.provisioner, "pid", None), getattr(km.provisioner, "pgid", None)
        )
        kc = km.client()
        kc.start_channels()
        self.kc = kc
        await kc.wait_for_ready(timeout=START_TIMEOUT)
        kc.allow_stdin = False

    async def _prepare(self, cwd: str, env: dict[str, str], fresh: tuple[str, ...], resets: tuple[str, ...]) -> None:
        # JSON strings and objects of strings are valid Python literals.
        code = _PREPARE + (
            f"_rapportbok_prepare({json.dumps(cwd)}, {json.dumps(env)}, {json.dumps(list(fresh))}, "
            f"{json.dumps(list(resets))})\n"
        )
        await self._silent(code)

    async def _silent(self, code: str) -> None:
        """Run ``code`` in the kernel without output, history or a step of the execution counter."""
        from queue import Empty

        from nbclient.exceptions import DeadKernelError

        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False, stop_on_error=False)
        deadline = time.monotonic() + PREPARE_TIMEOUT
        while True:
            try:
                msg = await self.kc.get_shell_msg(timeout=1)
            except Empty:
                if not await self.km.is_alive():
                    raise DeadKernelError("Kernel died") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"reset took more than {PREPARE_TIMEOUT} s") from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                break
        content = msg["content"]
        if content.get("status") != "ok":
            raise _PrepareFailed(content.get("ename", "Error"), content.get("evalue", ""))

    async def _shutdown(self) -> None:
        kc, km, self.kc, self.km = self.kc, self.km, None, None
        if kc is not None:
            kc.stop_channels()
        if km is not None and km.has_kernel:
            await km.shutdown_kernel(now=True)
        self.leader = None if km is not None and not km.has_kernel else self.leader


class _ReuseEngine(Engine):
    """A papermill engine (papermill's extension point for how a notebook is executed) that executes with
    papermill's own notebook client on the worker's running kernel (``rapportbok_kernel``), with the arguments
    papermill's nbclient engine gives that client."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        rapportbok_kernel=None,
        **_unused,  # input_path: papermill passes it to every engine
    ):
        kernel: _Kernel = rapportbok_kernel
        client = PapermillNotebookClient(
            nb_man,
            km=kernel.km,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logging.getLogger("papermill"),
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        # The worker's client: nbclient starts a kernel and a client only where it has none (setup_kernel), and
        # closes neither when it does not own the kernel manager.
        client.kc = kernel.kc
        kernel.client = client
        return client.execute()


papermill_engines.register(ENGINE_NAME, _ReuseEngine)


def _failure(spec: Spec, err: BaseException, kernel: _Kernel | None, timeout: float | None) -> NotebookFailed:
    """The spec's failure as NotebookFailed (messages for the analyst in Swedish)."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if isinstance(err, NotebookFailed):
        return err
    client = kernel.client if kernel is not None else None
    cell = (client.code_cells_executed or None) if client is not None else None
    if isinstance(err, PapermillExecutionError):
        failed = NotebookFailed(spec.key, err.ename, err.evalue, err.exec_count)
    elif isinstance(err, DeadKernelError):
        tail = kernel.stderr_tail() if kernel is not None else ""
        failed = NotebookFailed(
            spec.key,
            "DeadKernelError",
            "Kernelns process avslutades oväntat under körningen." + (f"\n{tail}" if tail else ""),
            cell,
        )
    elif isinstance(err, CellTimeoutError):
        failed = NotebookFailed(
            spec.key,
            "CellTimeoutError",
            f"Cellen kördes längre än {timeout:g} s och avbröts." if timeout else str(err),
            cell,
        )
    elif isinstance(err, _PrepareFailed):
        failed = NotebookFailed(spec.key, err.ename, f"Kerneln kunde inte förberedas för notebooken: {err.evalue}")
    elif kernel is None or kernel.kc is None:  # jupyter_client's reason is English ("Kernel died before replying")
        tail = kernel.stderr_tail() if kernel is not None else ""
        failed = NotebookFailed(
            spec.key,
            "KernelStartError",
            "Kerneln (Python-processen som kör notebooken) kunde inte startas eller avslutades innan den svarade, "
            "t.ex. för att minnet tog slut." + (f"\n{tail}" if tail else ""),
        )
    else:
        failed = NotebookFailed(spec.key, type(err).__name__, str(err), cell)
    failed.__cause__ = err
    return failed


_DONE = object()


class Warm:
    """A kernel started ahead of its notebooks, on a thread of its own that then runs them as :func:`run`'s first
    worker (a kernel is used only by the thread that started it: its client lives on that thread's event loop).

    The build starts one before it validates its input (rapportbok.publish.build): starting the kernel and
    importing ``imports`` (pandas, matplotlib, the chapters) then happen on the other core while the build works.
    The imports come after a first reset, as if a previous notebook had made them, so the notebooks see what they
    see on any reused kernel. If the build executes nothing, :meth:`close` shuts the kernel down; if it could not
    start, the worker starts one as usual."""

    def __init__(self, env: dict[str, str] | None = None, imports: tuple[str, ...] = ()):
        self.env, self.imports = env, tuple(imports)
        self.kernel: _Kernel | None = None
        self._go = threading.Event()
        self._wake = threading.Event()  # set by take_over, close and prefetch
        self._pending: list[str] = []  # code from prefetch, run before the notebooks
        self._lock = threading.Lock()
        self._args: tuple | None = None
        self._index = 0
        self._closed = False
        self.thread = threading.Thread(target=self._main, name="rapportbok-executor-0", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        kernel = None
        try:
            # Closed while starting (Ctrl-C in the watch loop, a build that executes nothing): each step looks first,
            # so a kernel that close() could not yet kill is not started, prepared or filled with imports after it.
            kernel = _Kernel(self.env)
            self.kernel = kernel
            for step in (
                lambda: kernel.start(tempfile.gettempdir()),
                lambda: kernel.prepare(tempfile.gettempdir(), {}, (), ()),
                lambda: kernel.warm(self.imports),
            ):
                if self._closed:
                    break
                step()
        except Exception:  # noqa: BLE001 - the worker starts a kernel of its own and reports what goes wrong then
            if kernel is not None:
                kernel.shutdown()
            kernel = self.kernel = None
        while True:  # what prefetch asks for, until the notebooks come (or close)
            self._wake.wait()
            with self._lock:
                self._wake.clear()
                pending, self._pending = self._pending, []
            for code in pending:
                if kernel is not None and not self._closed:
                    try:
                        kernel.silent(code)
                    except Exception:  # noqa: BLE001 - only ahead of time: the notebook does it and reports
                        pass
            if self._go.is_set():
                break
        if self._args is None:  # closed: nothing to execute
            try:
                if kernel is not None:
                    kernel.shutdown()
            finally:
                _close_loop()
            return
        todo, results, stop, env, timeout, reimport, kernels, lock = self._args
        if kernel is not None:
            with lock:
                kernels.append(kernel)
        _worker(todo, results, stop, env, timeout, reimport, kernels, lock, self._index, kernel)

    def prefetch(self, code: str) -> None:
        """Run ``code`` silently on the kernel as soon as it is ready and before its first notebook (not at all once
        the notebooks have started): the watching build has it validate a changed organisation's input
        (rapportbok.data.datasets' cache, kept across notebooks) while the build validates it too."""
        with self._lock:
            self._pending.append(code)
            self._wake.set()

    def take_over(self, args: tuple, index: int = 0) -> threading.Thread:
        """Hand the worker's arguments to the thread (it starts working once its kernel is ready)."""
        self._args, self._index = args, index
        self._go.set()
        self._wake.set()
        return self.thread

    def close(self) -> None:
        """Shut the kernel down if :func:`run` did not take it over (also on an error or Ctrl-C in the build)."""
        if self._args is None and not self._closed:
            self._closed = True
            self._go.set()
            self._wake.set()
            if self.kernel is not None:
                self.kernel.kill()  # at once, also while it is still starting
            self.thread.join(SHUTDOWN_JOIN)


def _close_loop() -> None:
    try:
        from jupyter_core.utils import ensure_event_loop

        ensure_event_loop().close()
    except Exception:  # noqa: BLE001 - only tidying up this thread's loop
        pass


def _start_kernel(env: dict[str, str] | None, cwd: str, kernels: list[_Kernel], lock: threading.Lock) -> _Kernel:
    """A started kernel; a failed start is retried (with TCP, another process may take a chosen port first)."""
    for attempt in range(START_ATTEMPTS):
        kernel = _Kernel(env)
        with lock:
            kernels.append(kernel)
        try:
            kernel.start(cwd)
            return kernel
        except Exception:
            kernel.shutdown()
            if attempt == START_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _worker(
    specs: _Todo,
    results: queue.Queue,
    stop: threading.Event,
    env: dict[str, str] | None,
    timeout: float | None,
    reimport: tuple[str, ...],
    kernels: list[_Kernel],
    lock: threading.Lock,
    index: int = 0,
    kernel: _Kernel | None = None,
) -> None:
    try:
        while not stop.is_set():
            spec = specs.take(index)
            if spec is None:
                break
            start = time.perf_counter()
            try:
                Path(spec.out).parent.mkdir(parents=True, exist_ok=True)
                if kernel is None:
                    kernel = _start_kernel(env, spec.cwd, kernels, lock)
                    if stop.is_set():
                        break
                kernel.client = None
                kernel.prepare(spec.cwd, dict(env or {}), reimport)
                # request_save_on_cell_execute=False: papermill writes the notebook once, when it is done
                # (or failed in a cell), instead of before and after every cell as well (some 36 writes
                # of the whole notebook, each copied, validated and JSON-encoded: about a third of the
                # build process's processor time). Nothing reads the file while it runs.
                pm.execute_notebook(
                    spec.template,
                    spec.out,
                    parameters=dict(spec.parameters),
                    engine_name=ENGINE_NAME,
                    kernel_name=KERNEL_NAME,
                    progress_bar=False,
                    log_output=False,
                    request_save_on_cell_execute=False,
                    execution_timeout=timeout,
                    rapportbok_kernel=kernel,
                )
            except Exception as err:  # noqa: BLE001 - reported for the spec; the kernel is replaced
                failed = _failure(spec, err, kernel, timeout)
                if kernel is not None:
                    kernel.shutdown()
                    kernel = None
                results.put((spec, time.perf_counter() - start, failed))
            else:
                results.put((spec, time.perf_counter() - start, None))
                if switches.off("karnor") and kernel is not None:  # a fresh kernel for every notebook
                    kernel.shutdown()
                    kernel = None
    finally:
        try:
            if kernel is not None:
                kernel.shutdown()
        finally:
            _close_loop()
            results.put(_DONE)


def run(
    specs: list[Spec],
    workers: int,
    env: dict[str, str] | None = None,
    on_done: Callable[[Spec, float], None] | None = None,
    *,
    on_failed: Callable[[Spec, NotebookFailed], None] | None = None,
    timeout: float | None = None,
    reimport: tuple[str, ...] = REIMPORT,
    warm: Warm | list[Warm] | None = None,
) -> list[tuple[Spec, BaseException]]:
    """Execute all specs on `workers` long-lived kernels (one per worker); returns the failures (empty = all ok).

    ``warm``, kernels started ahead (:class:`Warm`), are the first workers: their threads go on with their kernels
    (those beyond ``workers`` are closed).

    Specs are taken in the given order (put the longest first) by whichever worker is free, except
    that a worker keeps to its spec's ``group`` while that group has specs left (see ``_Todo``).
    ``on_done(spec, seconds)`` is called in the caller's thread as each notebook succeeds,
    ``on_failed(spec, error)`` as one fails. ``env`` is applied in every kernel (on top of this
    process's environment); ``timeout`` limits each cell (seconds, None = no limit). The
    failures are NotebookFailed, in the order they happened.
    """
    todo = _Todo(specs)
    n = max(1, min(int(workers or 1), len(specs)))
    ahead = [] if warm is None else [warm] if isinstance(warm, Warm) else list(warm)
    for spare in ahead[n if specs else 0 :]:
        spare.close()
    ahead = ahead[:n] if specs else []
    if not specs:
        return []
    results: queue.Queue = queue.Queue()
    stop = threading.Event()
    kernels: list[_Kernel] = []
    lock = threading.Lock()
    args = (todo, results, stop, env, timeout, tuple(reimport), kernels, lock)
    threads = [
        threading.Thread(target=_worker, name=f"rapportbok-executor-{i}", daemon=True, args=(*args, i))
        for i in range(len(ahead), n)
    ]
    failures: list[tuple[Spec, BaseException]] = []
    try:
        threads[:0] = [w.take_over(args, i) for i, w in enumerate(ahead)]
        for t in threads:
            if not t.is_alive():
                t.start()
        running = n
        while running:
            try:
                item = results.get(timeout=0.2)  # a timeout keeps Ctrl-C responsive
            except queue.Empty:
                continue
            if item is _DONE:
                running -= 1
                continue
            spec, seconds, failed = item
            if failed is None:
                if on_done is not None:
                    on_done(spec, seconds)
            else:
                failures.append((spec, failed))
                if on_failed is not None:
                    on_failed(spec, failed)
    except BaseException:
        stop.set()
        with lock:
            for k in kernels:
                k.kill()  # a worker inside a cell sees a dead kernel within a second and ends
        raise
    finally:
        stop.set()
        for t in threads:
            t.join(SHUTDOWN_JOIN)
        with lock:
            for k in kernels:
                k.kill()  # no-op for kernels shut down in order; kills any a stuck worker left
    return failures
