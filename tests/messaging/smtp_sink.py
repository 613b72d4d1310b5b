"""A real SMTP server for tests (aiosmtpd), run as its own process:

    python tests/messaging/smtp_sink.py PORT FOLDER

Every message it accepts is written to FOLDER as <n>.eml (the raw bytes, envelope
recipients in the X-Rcpt-To header). A recipient whose local part starts with "refuse" is
refused with 550, like a mail server that knows no such mailbox. Prints "ready" once it
listens on 127.0.0.1:PORT; SIGTERM stops it.
"""

import itertools
import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder: Path):
        self.folder, self.counter = folder, itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].startswith("refuse"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        header = f"X-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        partial = self.folder / f".{n}.eml"
        partial.write_bytes(header + envelope.original_content)
        partial.rename(self.folder / f"{n}.eml")  # readers never see half a message
        return "250 Message accepted"


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
