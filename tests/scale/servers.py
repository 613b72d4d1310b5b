"""Real server processes on loopback for the scale-out tests: an S3-compatible server
(moto's server mode, speaking the S3 protocol over HTTP) and Redis (Debian's redis-server).

Each is started on a free port and stopped by whoever started it. When a server cannot be
started here, ``need`` fails the test under CI (CI=true: the feature must be tested) and
skips it, with the reason, elsewhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

VENV_BIN = Path(sys.executable).parent


def need(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not listen on {port} in {seconds}s: {log.read_text()[-2000:]}")


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def moto_available() -> tuple[bool, str]:
    if not (VENV_BIN / "moto_server").exists():
        return False, "moto's S3 server is not installed: pip install -r requirements.txt"
    return True, ""


def start_s3_server() -> Server:
    """moto's S3 server on a free loopback port (its own process, state in memory)."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="doorstep-s3-", suffix=".log")[1])
    process = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_port(port, process, log)
    except BaseException:
        process.kill()
        raise
    return Server(process, port, log)


def redis_available() -> tuple[bool, str]:
    if shutil.which("redis-server") is None:
        return False, "redis-server is not installed: apt-get install redis-server"
    return True, ""


def start_redis() -> Server:
    """A throwaway redis-server on a free loopback port, nothing written to disk."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="doorstep-redis-", suffix=".log")[1])
    process = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_port(port, process, log)
    except BaseException:
        process.kill()
        raise
    return Server(process, port, log)
