"""A real SMTP server on loopback for the messaging tests, and a way to read what it got."""

from __future__ import annotations

import email
import email.policy
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

SINK = Path(__file__).with_name("smtp_sink.py")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self, port: int, folder: Path):
        self.port, self.folder = port, folder

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(self.folder.glob("[0-9]*.eml"), key=lambda p: int(p.stem))]

    def wait_for(self, count: int, timeout: float = 10) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.messages()
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"expected {count} e-mails, the SMTP server got "
                             f"{len(self.messages())}")

    def clear(self) -> None:
        for p in self.folder.glob("*.eml"):
            p.unlink()


@pytest.fixture(scope="session")
def smtp_server(tmp_path_factory):
    """aiosmtpd in its own process on a free loopback port, stopped at the end."""
    folder = tmp_path_factory.mktemp("smtp")
    port = _free_port()
    process = subprocess.Popen([sys.executable, str(SINK), str(port), str(folder)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "ready"
        yield Mailbox(port, folder)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def mailbox(app, smtp_server):
    """The SMTP server, empty, with the app sending its e-mail there for this test."""
    smtp_server.clear()
    previous = app.config.get("SMTP_URL")
    app.config["SMTP_URL"] = smtp_server.url
    yield smtp_server
    app.config["SMTP_URL"] = previous
