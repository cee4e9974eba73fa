"""Child processes in a group of their own, and ending such a group with all it started: POSIX and Windows.

The build starts jupyter-book (``build._run_child``) and Jupyter kernels (``executor``). On Ctrl-C,
SIGTERM or a failure they must go, with whatever they started themselves.

* POSIX: the child is started in a new session (``start_new_session``) and so leads its own
  process group; SIGKILL to the group ends it and everything in it.
* Windows has no such process groups. The child is started with ``CREATE_NEW_PROCESS_GROUP``
  (jupyter_client does the same for kernels); it is first asked to stop with ``CTRL_BREAK_EVENT``
  (the console's Ctrl-Break, which a child in its own group receives), then the process tree
  (the child and its descendants, found before the first signal) is killed with psutil, or
  with ``taskkill /T /F`` if psutil is not there.

The platform is read from ``os.name`` at each call, so the tests can take either path.
"""

from __future__ import annotations

import os
import signal
import subprocess

# The Windows constants, with their documented values where this Python is not a Windows one.
CREATE_NEW_PROCESS_GROUP = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x00000200)
CTRL_BREAK_EVENT = getattr(signal, "CTRL_BREAK_EVENT", 1)
GRACE = 2.0  # seconds a Windows child gets after Ctrl-Break before its tree is killed


def windows() -> bool:
    return os.name == "nt"


def popen_kwargs() -> dict:
    """Keyword arguments for ``subprocess.Popen`` that start the child in a process group of its own."""
    if windows():
        return {"creationflags": CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def group_leader(pid: int | None, pgid: int | None) -> int | None:
    """What :func:`end_group` needs for a started child: its process group on POSIX, its pid on Windows."""
    return pid if windows() else pgid


def end_group(leader: int | None, grace: float = GRACE) -> None:
    """End the child ``leader`` (see :func:`group_leader`) and everything it started; quiet if already gone."""
    if not leader:
        return
    if windows():
        _end_tree(leader, grace)
        return
    try:
        os.killpg(leader, signal.SIGKILL)
    except OSError:  # already gone (ProcessLookupError) or not ours any more
        pass


def _end_tree(pid: int, grace: float) -> None:
    """Windows: Ctrl-Break to the child's group, then kill the child and its descendants."""
    try:
        import psutil
    except ImportError:
        psutil = None
    tree = []
    if psutil is not None:
        try:
            root = psutil.Process(pid)
            tree = [root, *root.children(recursive=True)]  # before anything ends: orphans cannot be found
        except psutil.Error:
            return  # already gone
    if psutil is None:  # the tree is found by taskkill, so the child must still be there: no Ctrl-Break first
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(pid)], capture_output=True, check=False)
        return
    try:
        os.kill(pid, CTRL_BREAK_EVENT)
    except OSError:
        pass
    _gone, alive = psutil.wait_procs(tree, timeout=grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace)
