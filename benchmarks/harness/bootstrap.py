"""Builds the benchmark's own virtualenv and makes sure `wrk` is installed (standard library only).

The runner calls this before anything else, then re-executes itself inside the virtualenv, so
`python3 benchmarks/run.py` is the one command a user needs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BENCH_DIR.parent
VENV_DIR = BENCH_DIR / ".venv"
REQUIREMENTS = BENCH_DIR / "requirements.txt"
RESULTS_DIR = BENCH_DIR / "results"
_STAMP = VENV_DIR / ".bench-stamp"


def venv_python() -> Path:
    """The benchmark virtualenv's interpreter."""
    return VENV_DIR / "bin" / "python"


def in_bench_venv() -> bool:
    """Whether this interpreter is the benchmark virtualenv's."""
    return Path(sys.prefix).resolve() == VENV_DIR.resolve()


_BUILDER_C = REPO_DIR / "heron" / "db" / "query" / "_rowbuild.c"


def _stamp() -> str:
    digest = hashlib.sha256()
    # setup.py and the C row builder: `pip install -e` compiles it into the source tree.
    for path in (REQUIREMENTS, REPO_DIR / "pyproject.toml", REPO_DIR / "setup.py", _BUILDER_C):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _run_logged(argv: list[str], log: Path, what: str) -> None:
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(argv)}\n")
        out.flush()
        proc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-25:]
        sys.exit(f"error: {what} failed (exit {proc.returncode}); log {log}:\n" + "\n".join(tail))


def ensure_venv(python: str, *, force: bool = False) -> Path:
    """Create benchmarks/.venv from `python` and install Heron (editable) plus the peers.

    Reinstalls only when requirements.txt, pyproject.toml, setup.py or the C row builder
    changed since the last install.
    """
    RESULTS_DIR.mkdir(exist_ok=True)
    log = RESULTS_DIR / "install.log"
    if not venv_python().exists():
        print(f"bench: creating {VENV_DIR} with {python}", flush=True)
        log.write_text("")
        _run_logged([python, "-m", "venv", str(VENV_DIR)], log, "creating the virtualenv")
    stamp = _stamp()
    if force or not _STAMP.exists() or _STAMP.read_text().strip() != stamp:
        print(f"bench: installing Heron and the peers into {VENV_DIR} (log: {log})", flush=True)
        pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        _run_logged([*pip, "--upgrade", "pip"], log, "upgrading pip")
        _run_logged([*pip, "-r", str(REQUIREMENTS)], log, "installing the peers")
        _run_logged([*pip, "-e", str(REPO_DIR)], log, "installing Heron (pip install -e .)")
        _STAMP.write_text(stamp + "\n")
    return venv_python()


def ensure_wrk() -> str:
    """Return the path of `wrk`, installing it with apt-get when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit("error: wrk is not installed; install it (e.g. `apt-get install wrk`) and rerun")
    RESULTS_DIR.mkdir(exist_ok=True)
    log = RESULTS_DIR / "install.log"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("bench: installing wrk with apt-get", flush=True)
    with log.open("a") as out:
        cmd = ["apt-get", "install", "-y", "wrk"]
        ok = subprocess.run(cmd, stdout=out, stderr=out, env=env, check=False).returncode == 0
        if not ok:
            subprocess.run(["apt-get", "update"], stdout=out, stderr=out, env=env, check=False)
            ok = subprocess.run(cmd, stdout=out, stderr=out, env=env, check=False).returncode == 0
    found = shutil.which("wrk")
    if not ok or not found:
        sys.exit(f"error: could not install wrk with apt-get; see {log}")
    return found


def default_python() -> str:
    """python3.11 when it is on PATH, otherwise this interpreter."""
    return shutil.which("python3.11") or sys.executable
