"""`make demo` run again on an installed clone (issue 16: it reran pip and printed ~150 lines before the
address). The Makefile is copied into a temporary directory beside a fake venv whose pip only writes
down that it ran, so the stamp logic is what is tested, never a real install: up to date, `make demo`
runs no pip and prints nothing of its own; after pyproject.toml changes it installs again, quietly
(-q). The last test starts the demo through that Makefile on the scripted model and reads its first
lines: the address, no warning, no traceback."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")

FAKE_PIP = '#!/bin/sh\necho "$@" >> "$(dirname "$0")/../pip.log"\n'
FAKE_SERVER = '#!/bin/sh\necho "web client: http://127.0.0.1:8000/"\n'


def _env(**extra: str) -> dict[str, str]:
    """A newcomer's shell: not a sub-make (which would print 'Entering directory'), no inherited flags,
    none of the settings the test suite makes (tests/conftest.py points the safety head at no file)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES") and not k.startswith("LLMVERSE_")}
    return {**env, **extra}


def _script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def _clone(tmp_path: Path, *, installed: bool, server: str | Path = FAKE_SERVER) -> Path:
    """The Makefile and a pyproject.toml, a venv with a fake pip; the stamp newer than pyproject.toml
    when `installed`, older otherwise. `server` is the text of a fake `llmverse` or a real one to link."""
    (tmp_path / "Makefile").write_text((ROOT / "Makefile").read_text())
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project]\nname = 'fake'\n")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    _script(bin_dir / "pip", FAKE_PIP)
    if isinstance(server, Path):
        (bin_dir / "llmverse").symlink_to(server)
    else:
        _script(bin_dir / "llmverse", server)
    stamp = tmp_path / ".venv" / ".installed"
    stamp.touch()
    now = time.time()
    old, new = now - 100, now - 10
    os.utime(pyproject, (old, old) if installed else (new, new))
    os.utime(stamp, (new, new) if installed else (old, old))
    return tmp_path


def _make(where: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MAKE, *args], cwd=where, env=_env(**env), capture_output=True, text=True, timeout=60)


def test_installed_means_up_to_date_and_make_demo_prints_only_the_server(tmp_path):
    clone = _clone(tmp_path, installed=True)
    assert _make(clone, "-q", "install").returncode == 0  # nothing to do
    dry = _make(clone, "-n", "demo").stdout
    assert "pip" not in dry and "llmverse serve" in dry, dry
    run = _make(clone, "demo")
    assert run.returncode == 0, run.stderr
    assert run.stdout == "web client: http://127.0.0.1:8000/\n" and run.stderr == ""  # no make chatter, no pip
    assert not (clone / ".venv" / "pip.log").exists()


def test_a_changed_pyproject_installs_again_quietly_then_never_again(tmp_path):
    clone = _clone(tmp_path, installed=False)
    assert _make(clone, "-q", "install").returncode == 1  # out of date
    run = _make(clone, "demo")
    assert run.returncode == 0, run.stderr
    calls = (clone / ".venv" / "pip.log").read_text().splitlines()
    assert len(calls) == 2 and all(c.startswith("install -q ") for c in calls), calls
    assert "torch==" in calls[0] and "-e .[" in calls[1]
    stamp, pyproject = clone / ".venv" / ".installed", clone / "pyproject.toml"
    assert stamp.stat().st_mtime >= pyproject.stat().st_mtime
    again = _make(clone, "demo")
    assert again.stdout == "web client: http://127.0.0.1:8000/\n"
    assert len((clone / ".venv" / "pip.log").read_text().splitlines()) == 2  # pip ran once, not twice


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pump(stream, into: queue.Queue) -> None:
    """Every line the demo prints, then None when it closed its output."""
    for line in stream:
        into.put(line)
    into.put(None)


def test_the_demo_starts_with_its_address_and_no_warning_or_traceback(tmp_path):
    real = ROOT / ".venv" / "bin" / "llmverse"
    if not real.exists():
        pytest.skip("no installed llmverse in .venv")
    clone = _clone(tmp_path, installed=True, server=real)
    port = _free_port()
    proc = subprocess.Popen([MAKE, "demo"], cwd=clone, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=_env(PORT=str(port), LLMVERSE_MODEL="scripted", OMP_NUM_THREADS="1"),
                            start_new_session=True)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    first: list[str] = []
    try:
        while not first or "web client:" not in first[-1]:
            line = lines.get(timeout=120)  # a hung start fails here, not never
            if line is None:
                break
            first.append(line.rstrip("\n"))
        assert first and "web client: http://127.0.0.1:" in first[-1], first
        assert len(first) <= 3, first  # the world's line, the address: nothing before them
        # the address is printed as the server starts, a moment before it listens (a loaded CI machine
        # refused the first connection): the page must answer within a minute
        deadline, status = time.monotonic() + 60, None
        while status is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert status == 200
        time.sleep(6)  # one world step (the demo's tick is 5 s): it logs nothing either
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # make and the server it started: the group this test made
        proc.wait(timeout=30)
    rest = []
    while (line := lines.get(timeout=30)) is not None:
        rest.append(line)
    shown = "\n".join(first) + "\n" + "".join(rest)
    for bad in ("Traceback", "Warning", "WARNING", "Error", "ERROR", "pip"):
        assert bad not in shown, shown
    assert (clone / "demo.db").exists()
