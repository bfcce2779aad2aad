"""The run's kernels: forked from a pre-imported zygote, interruptible, shut down cleanly; plain fallback."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from trygghet.publish import kernels

pytestmark = pytest.mark.skipif(not kernels.fork_supported(), reason="kernel forking needs Linux (pidfd, SCM_RIGHTS)")


def _kernelspec(tmp_path: Path) -> Path:
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "trygghet.publish.kernels", "--kernel-client", "-f", "{connection_file}"],
        "display_name": "test", "language": "python"}), encoding="utf-8")
    return tmp_path


def _run(kc, code: str, timeout: float = 60) -> dict:
    """Execute ``code``; returns the reply content and the text the kernel printed."""
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    out = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    return {**reply["content"], "text": "".join(out)}


def _kernel(request, monkeypatch, tmp_path, zygote: bool):
    from jupyter_client import KernelManager

    monkeypatch.setenv("JUPYTER_PATH", str(_kernelspec(tmp_path)))
    monkeypatch.delenv(kernels.ZYGOTE_ENV, raising=False)
    if zygote:
        proc = kernels.start_zygote(("json",))
        assert os.environ.get(kernels.ZYGOTE_ENV), "the zygote did not start"
        folder = os.path.dirname(os.environ[kernels.ZYGOTE_ENV])
        request.addfinalizer(lambda: (proc.kill(), proc.wait(), shutil.rmtree(folder, ignore_errors=True)))
        monkeypatch.setenv(kernels.ZYGOTE_ENV, os.environ[kernels.ZYGOTE_ENV])
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(tmp_path))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc


@pytest.mark.slow
def test_forked_kernel_is_fresh_interruptible_and_stops(request, monkeypatch, tmp_path):
    km, kc = _kernel(request, monkeypatch, tmp_path, zygote=True)
    try:
        info = _run(kc, "import os, sys; print(os.getpid(), os.getcwd(), sys.executable, 'json' in sys.modules)")
        pid, cwd, exe, preloaded = info["text"].split()
        assert int(pid) != km.provisioner.pid  # the kernel is the forked child, not the client
        assert cwd == str(tmp_path) and exe == sys.executable and preloaded == "True"
        assert _run(kc, "x = 41\nprint(x + 1)")["text"].strip() == "42"
        t = time.monotonic()
        msg_id = kc.execute("import time; time.sleep(60)")
        time.sleep(1.0)
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=30)
        assert reply["parent_header"]["msg_id"] == msg_id
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        assert time.monotonic() - t < 20
        second = _kernel(request, monkeypatch, tmp_path / "b", zygote=False)  # a second kernel knows nothing of x
        try:
            assert _run(second[1], "print('x' in globals())")["text"].strip() == "False"
        finally:
            second[1].stop_channels()
            second[0].shutdown_kernel(now=False)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{pid}").exists(), "the forked kernel outlived its shutdown"


@pytest.mark.slow
def test_without_zygote_the_client_is_an_ordinary_kernel(request, monkeypatch, tmp_path):
    km, kc = _kernel(request, monkeypatch, tmp_path, zygote=False)
    try:
        pid = int(_run(kc, "import os; print(os.getpid())")["text"])
        assert pid == km.provisioner.pid  # exec'd ipykernel_launcher in place of the client
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


def test_preload_lists_the_notebooks_imports(fixture_notebooks):
    mods = kernels.preload_modules([fixture_notebooks / "rapport.ipynb"])
    assert {"pandas", "matplotlib.pyplot", "warnings", "IPython.display"} <= set(mods)


def test_kernelspec_runs_this_module(tmp_path):
    spec = json.loads((kernels.write_kernelspec(tmp_path) / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"] == [sys.executable, "-m", "trygghet.publish.kernels", "--kernel-client", "-f", "{connection_file}"]


def test_entry_point_without_arguments_says_how_to_call_it():
    import subprocess

    done = subprocess.run([sys.executable, "-m", "trygghet.publish.kernels"], capture_output=True, text=True)
    assert done.returncode == 1 and "--kernel-zygote SOCKET" in done.stderr and "--kernel-client -f FILE" in done.stderr
