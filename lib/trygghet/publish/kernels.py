"""Fast kernels for the run: a pre-imported "zygote" forks a fresh kernel for each notebook.

Starting a kernel costs a Python start plus the imports of the report libraries (pandas, geopandas,
matplotlib, trygghet ...), about 3 s of CPU per notebook. The run forks one zygote process from itself
(:func:`fork_zygote`, the library already imported), shared by its workers — or a worker starts its own
(:func:`start_zygote`) — that imports ipykernel and the modules the plan's notebooks import, once. The
kernelspec's command is a tiny client
(``python -m trygghet.publish.kernels --kernel-client -f CONNECTION_FILE``) that asks the zygote to fork:
the child takes the client's stdin/stdout/stderr, working folder and environment and becomes
an ordinary IPython kernel — a fresh process with nothing of the other notebooks in it. The client
stays as the kernel's stand-in for jupyter_client: it relays signals (interrupt, terminate) and exits
when the kernel exits; the kernel exits when the client is killed. Without the zygote (another OS, an
error) the client execs the normal ``ipykernel_launcher``.

Entry points (used by the kernelspec and by :func:`start_zygote`)::

    python -m trygghet.publish.kernels --kernel-zygote SOCKET [MODULE ...]
    python -m trygghet.publish.kernels --kernel-client -f CONNECTION_FILE
"""

from __future__ import annotations

import ast
import contextlib
import glob
import importlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from trygghet.publish.lock import atomic_write

__all__ = ["ZYGOTE_ENV", "fork_supported", "can_fork_run", "preload_modules", "start_zygote", "fork_zygote",
           "stop_zygote", "ForkedZygote", "write_kernelspec",
           "die_with_parent", "socket_folder", "clean_sockets", "pid_gone"]

#: the environment variable that tells a kernel client where its worker's zygote listens
ZYGOTE_ENV = "TRYGGHET_KERNEL_ZYGOTE"
_ZYGOTE_PID_ENV = "TRYGGHET_KERNEL_ZYGOTE_PID"
_MODULE = "trygghet.publish.kernels"
#: what every kernel imports while it starts, besides ipykernel.kernelapp: imported once in the zygote
_KERNEL_MODULES = ("ipykernel.ipkernel", "ipykernel.debugger", "IPython.core.debugger", "IPython.core.oinspect",
                   "psutil")


def fork_supported() -> bool:
    """Whether kernels can be forked here (Linux with pidfd and file-descriptor passing)."""
    return sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")


def can_fork_run() -> bool:
    """Whether the run may fork its workers and zygote from this process: kernels can be forked here and
    the process has one thread and is not itself a Jupyter kernel (a fork copies only the calling
    thread; the others' locks and sockets would be left half-held in the copy)."""
    if not fork_supported() or threading.active_count() != 1:
        return False
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is None or type(shell).__name__ == "TerminalInteractiveShell"


def write_kernelspec(out: Path) -> Path:
    """A private Jupyter path (``out/.jupyter``) whose ``python3`` kernel is this interpreter (the venv's
    python), launched through the zygote's client where forking works.

    A user-level ``python3`` kernelspec pointing at another Python must not take over the runs.
    """
    base = Path(out) / ".jupyter"
    spec_dir = base / "kernels" / "python3"
    spec_dir.mkdir(parents=True, exist_ok=True)
    launcher = ["-m", _MODULE, "--kernel-client"] if fork_supported() else ["-m", "ipykernel_launcher"]
    spec = {
        "argv": [sys.executable, *launcher, "-f", "{connection_file}"],
        "display_name": "Python 3 (trygghet)",
        "language": "python",
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
        "metadata": {"debugger": False},
    }
    atomic_write(spec_dir / "kernel.json", json.dumps(spec, indent=1))
    return base


def preload_modules(notebooks: list[str | Path]) -> tuple[str, ...]:
    """The modules the notebooks import (from their code cells), for the zygote to import once."""
    import nbformat  # here, not at the top: the kernel client runs this module and must start fast

    found: set[str] = set()
    for path in sorted({str(p) for p in notebooks}):
        with contextlib.suppress(Exception):
            for cell in nbformat.read(path, as_version=4).cells:
                if cell.cell_type != "code":
                    continue
                try:
                    tree = ast.parse("\n".join(line for line in cell.source.splitlines()
                                               if not line.lstrip().startswith(("%", "!"))))
                except SyntaxError:
                    continue
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        found.update(a.name for a in node.names)
                    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                        found.add(node.module)
                        found.update(f"{node.module}.{a.name}" for a in node.names)
    return tuple(sorted(found))


def socket_folder(kind: str, run_pid: int | None = None) -> str:
    """A new private temp folder for sockets, named after the run's pid (by default this worker's
    parent) so that the run can remove it when it ends: ``trygghet-<kind>-<run pid>-XXXX``."""
    return tempfile.mkdtemp(prefix=f"trygghet-{kind}-{os.getppid() if run_pid is None else run_pid}-")


def clean_sockets(remove) -> None:
    """Remove the temp folders of kernel sockets whose run pid ``remove(pid)`` says are done."""
    for folder in glob.glob(os.path.join(tempfile.gettempdir(), "trygghet-[kz]*-[0-9]*-*")):
        m = re.search(r"trygghet-(?:kernel|zygote)-(\d+)-", folder)
        if m and remove(int(m.group(1))):
            shutil.rmtree(folder, ignore_errors=True)


def pid_gone(pid: int) -> bool:
    """True when no process ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def start_zygote(preload: tuple[str, ...], wait: bool = True, run_pid: int | None = None,
                 log_file: str | None = None) -> subprocess.Popen:
    """Start a zygote (it dies with this process) and point ``ZYGOTE_ENV`` at its socket: a worker's
    own, or with ``run_pid`` (the run's own pid) one zygote that the run's workers share (they inherit
    the environment); the run then stops it with :func:`stop_zygote`.

    With ``wait`` returns once the zygote listens (or has failed: then the clients start ordinary
    kernels); without, at once — a kernel client started meanwhile waits for the zygote to listen.
    ``log_file`` takes the zygote's stderr (default: this process's)."""
    path = os.path.join(socket_folder("zygote", run_pid), "s")
    env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    with open(log_file, "ab") if log_file else contextlib.nullcontext() as log:
        proc = subprocess.Popen([sys.executable, "-m", _MODULE, "--kernel-zygote", path, *preload],
                                stdin=subprocess.DEVNULL, stderr=log, env=env)
    os.environ[ZYGOTE_ENV] = path  # the kernel clients this worker starts inherit it
    os.environ[_ZYGOTE_PID_ENV] = str(proc.pid)
    if wait and not _wait_for_socket(path, proc.pid):
        os.environ.pop(ZYGOTE_ENV, None)
    return proc


class ForkedZygote:
    """A zygote forked from this process (:func:`fork_zygote`): ``pid``, ``kill()`` and ``wait()``."""

    def __init__(self, pid: int):
        self.pid = pid

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> None:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def fork_zygote(preload: tuple[str, ...], run_pid: int, log_file: str | None = None) -> ForkedZygote:
    """The run's zygote as a fork of this process, which has imported the library already: only what
    the kernels need besides (ipykernel, the notebooks' modules not yet imported) is imported in it.
    Call it before this process starts threads. Its stderr goes to ``log_file``; of the open files only
    the standard streams stay open in it (no lock or pipe of the run). Stop it with :func:`stop_zygote`."""
    path = os.path.join(socket_folder("zygote", run_pid), "s")
    pid = os.fork()
    if pid == 0:  # the zygote: never returns
        try:
            null = os.open(os.devnull, os.O_RDWR)
            log = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if log_file else null
            os.dup2(null, 0)
            os.dup2(null, 1)
            os.dup2(log, 2)
            for name in os.listdir("/proc/self/fd"):
                if int(name) > 2:
                    with contextlib.suppress(OSError):
                        os.close(int(name))
            # the standard streams as a fresh interpreter has them (the run's may be a test's capture)
            sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
            sys.stderr = sys.__stderr__ = open(  # noqa: SIM115
                2, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)
            if "asyncio" in sys.modules:  # no event loop of the run's (its files are closed): a fresh policy
                sys.modules["asyncio"].set_event_loop_policy(None)
            os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
            backend = os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
            if "matplotlib" in sys.modules:  # imported before the variable was set: as if after
                sys.modules["matplotlib"].rcParams["backend"] = backend
            _zygote_main(path, list(preload))
        finally:
            os._exit(1)
    os.environ[ZYGOTE_ENV] = path  # the workers forked after this inherit it
    os.environ[_ZYGOTE_PID_ENV] = str(pid)
    return ForkedZygote(pid)


def stop_zygote(proc) -> None:
    """Stop a zygote started by :func:`start_zygote` (the kernels it forked are already done) and
    forget it, so that later kernels of this process do not look for it."""
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(Exception):
        proc.wait(timeout=10)
    if os.environ.get(_ZYGOTE_PID_ENV) == str(proc.pid):
        os.environ.pop(ZYGOTE_ENV, None)
        os.environ.pop(_ZYGOTE_PID_ENV, None)


def _wait_for_socket(path: str, pid: int, timeout: float = 120) -> bool:
    """Wait until the zygote ``pid`` listens on ``path``; False when it died or took too long."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) and time.monotonic() < deadline:
        if pid_gone(pid) or _is_zombie(pid):
            return False
        time.sleep(0.05)
    return os.path.exists(path)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies (a killed run takes its workers along)."""
    with contextlib.suppress(Exception):  # elsewhere the process simply outlives a killed run
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _zygote_main(path: str, preload: list[str]) -> None:
    """Import once, then fork one kernel per request on the Unix socket ``path``."""
    die_with_parent()
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import ipykernel.kernelapp  # noqa: F401  (the expensive part of every kernel)

    for name in (*_KERNEL_MODULES, *preload):
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped by the system
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server.bind(path + ".tmp")
    server.listen(8)
    os.rename(path + ".tmp", path)  # ready
    while True:
        conn, _ = server.accept()
        try:
            data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
            request = json.loads(data)
        except (OSError, ValueError):
            conn.close()
            continue
        if os.fork() == 0:
            server.close()
            _kernel_child(conn, fds, request)  # never returns
        for fd in fds:
            os.close(fd)
        conn.close()


def _kernel_child(conn, fds: list[int], request: dict) -> None:
    try:
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        client = int(request["client_pid"])
        conn.send(json.dumps({"pid": os.getpid()}).encode())
        conn.close()

        def watch() -> None:  # the client is jupyter_client's handle on us: when it dies, so do we
            try:
                fd = os.pidfd_open(client)
            except ProcessLookupError:
                os._exit(1)
            select.select([fd], [], [])
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
        from ipykernel.kernelapp import IPKernelApp

        # parent_handle as a normal launch has it (from JPY_PARENT_PID): no connection banner on stdout
        argv = ["-f", request["connection_file"], f"--IPKernelApp.parent_handle={client}"]
        sys.argv = ["ipykernel_launcher", *argv]
        IPKernelApp.launch_instance(argv=argv)
    except BaseException:  # noqa: BLE001 - a forked child must never return into the zygote's loop
        import traceback

        with contextlib.suppress(Exception):
            traceback.print_exc()
        os._exit(1)
    os._exit(0)


def _kernel_client_main(connection_file: str) -> None:
    """The kernelspec's command: get a kernel forked by the worker's zygote and stand in for it."""
    path = os.environ.get(ZYGOTE_ENV)
    pid = None
    zygote = os.environ.get(_ZYGOTE_PID_ENV, "")
    if path and zygote.isdigit() and not os.path.exists(path):  # still importing: wait for it
        _wait_for_socket(path, int(zygote))
    if path:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
                s.connect(path)
                request = {"connection_file": os.path.abspath(connection_file), "cwd": os.getcwd(),
                           "env": dict(os.environ), "client_pid": os.getpid()}
                socket.send_fds(s, [json.dumps(request).encode()], [0, 1, 2])
                pid = int(json.loads(s.recv(4096))["pid"])
        except (OSError, ValueError, KeyError):
            pid = None
    if pid is None:  # no zygote: an ordinary kernel
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file])
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, lambda signum, _frame: os.kill(pid, signum))
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    parent = os.getppid()
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            return
        if os.getppid() != parent:  # the worker is gone (a killed run): take the kernel along
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            return


def main(argv: list[str]) -> None:
    """``--kernel-zygote SOCKET [MODULE ...]`` or ``--kernel-client -f CONNECTION_FILE``."""
    if argv[:1] == ["--kernel-zygote"] and len(argv) >= 2:
        _zygote_main(argv[1], argv[2:])
    elif argv[:1] == ["--kernel-client"] and argv[1:2] == ["-f"] and len(argv) >= 3:
        _kernel_client_main(argv[2])
    else:
        sys.exit(f"usage: python -m {_MODULE} --kernel-zygote SOCKET [MODULE ...] | --kernel-client -f FILE")


if __name__ == "__main__":
    main(sys.argv[1:])
