"""Child processes that end with the auditor, SIGKILL included.

A killed process runs no cleanup, so its children must notice by themselves. multiprocessing's own "alive"
pipe does not do it: with the forkserver every worker holds a write end of that pipe (and of its own task
queue), so after a SIGKILL of the auditor the forkserver and its workers wait on each other for ever. Two
mechanisms, each enough alone:

* `die_with_parent()`: Linux's PR_SET_PDEATHSIG, so the kernel signals a child when its parent dies. The
  forkserver (whose parent is the auditor) sets it when it imports this module as its preload; each worker
  (whose parent is the forkserver) in its initializer.
* `exit_with(pid)`: a daemon thread in each worker waiting on a pidfd of the auditor process (polling
  /proc where pidfds are unavailable) and ending the worker when the auditor ends. The workers gone, the
  forkserver's alive pipe reaches EOF and it exits on its own, even where PR_SET_PDEATHSIG is unavailable.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# libc loaded once, here: die_with_parent also runs between fork and exec (subprocess preexec_fn), where
# loading a library could deadlock on a lock some other thread held at the fork.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
# Set only while the forkserver starts: tells this module, imported there as a preload, whose child it is.
_PARENT_VARIABLE = "AUDITOR_FORKSERVER_PARENT"


def die_with_parent(sig: signal.Signals = signal.SIGKILL) -> bool:
    """Ask the kernel to send `sig` to this process when its parent dies. Linux only (False elsewhere).

    "Parent" is the thread that forked this process: the request must come from a process forked by a thread
    that lives as long as the parent process (its main thread)."""
    try:
        return _LIBC is not None and _LIBC.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except AttributeError:  # a libc without prctl
        return False


def exit_with(pid: int, poll_seconds: float = 0.5) -> threading.Thread:
    """Start a daemon thread that ends this process (os._exit) as soon as process `pid` has ended."""
    try:
        handle: int | None = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)  # already gone: nothing to work for
    except (AttributeError, OSError):  # no pidfd (old kernel, seccomp, not Linux): poll instead
        handle = None

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])  # a pidfd turns readable when its process has ended
        else:
            while process_alive(pid):
                time.sleep(poll_seconds)
        os._exit(1)

    thread = threading.Thread(target=watch, name=f"exit-with-{pid}", daemon=True)
    thread.start()
    return thread


def process_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, ended but not yet reaped, counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rpartition(b")")[2].split()[0]
        return state not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def child_setup() -> Callable[[], object] | None:
    """For subprocess.Popen(preexec_fn=...): the child is killed when this process dies. None unless called from
    the main thread (PR_SET_PDEATHSIG follows the forking thread, and another thread may end first)."""
    return die_with_parent if threading.current_thread() is threading.main_thread() else None


def start_forkserver() -> None:
    """Start multiprocessing's forkserver now, preloading this module so that it dies with this process.

    Only from the main thread: PR_SET_PDEATHSIG fires when the forking thread ends. From another thread the
    forkserver starts later as usual, and ends through its alive pipe once the workers (see `exit_with`) are
    gone."""
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():
        return
    forkserver.set_forkserver_preload(["__main__", __name__])
    os.environ[_PARENT_VARIABLE] = str(os.getpid())
    try:
        forkserver.ensure_running()
    finally:
        os.environ.pop(_PARENT_VARIABLE, None)


def _guard_forkserver() -> None:
    """Runs when the forkserver imports this module (the variable is set only then)."""
    parent = os.environ.pop(_PARENT_VARIABLE, None)
    if parent is None:
        return
    if die_with_parent() and os.getppid() != int(parent):
        os._exit(1)  # the auditor died before the request was made


_guard_forkserver()
