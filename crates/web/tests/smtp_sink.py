#!/usr/bin/env python3
"""A real SMTP server on loopback that keeps what it receives, for crates/web/tests/delivery.rs
and for `trainyard bench outbox`.

    python3 smtp_sink.py PORT DIR [--raw]   # PORT 0 picks a free port

Prints `READY <port>` on stdout once it accepts connections. Each message accepted is written to
DIR as `<n>.eml` (the raw message) and `<n>.json`, an independent reading with Python's `email`
package (skipped with --raw, for benchmarks: parsing costs ~5 ms a message):

    {"mail_from", "rcpt_tos", "from", "to", "subject" (decoded), "message_id", "headers": {...},
     "parts": [{"content_type", "params": {...}, "filename", "text", "saved"}]}

A binary part's bytes are also written to DIR as `<n>-part<i>.bin`, named by "saved".

Files appear atomically (written under a temporary name, then renamed). Exit status 3 with
MISSING-AIOSMTPD on stderr means the `aiosmtpd` package is not installed
(`python3 -m pip install aiosmtpd`, or Debian's `python3-aiosmtpd`).
"""

import asyncio
import itertools
import json
import os
import sys
from email import policy
from email.parser import BytesParser

try:
    from aiosmtpd.smtp import SMTP
except ImportError:
    print("MISSING-AIOSMTPD: install it with: python3 -m pip install aiosmtpd", file=sys.stderr)
    sys.exit(3)


def reading(envelope, raw, save=None):
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    parts = []
    for index, part in enumerate(msg.walk()):
        if part.is_multipart():
            continue
        try:
            text = part.get_content()
        except Exception as e:  # noqa: BLE001 - report, do not crash the server
            text = f"<undecodable: {e}>"
        saved = None
        if isinstance(text, bytes):
            # A binary attachment (an invoice's PDF): kept beside the message for the test to read.
            if save is not None:
                saved = save(index, text)
            text = text.decode("utf-8", "replace")
        parts.append(
            {
                "saved": saved,
                "content_type": part.get_content_type(),
                "params": {k: v for k, v in part.get_params() or [] if v != ""},
                "filename": part.get_filename(),
                "disposition": part.get_content_disposition(),
                "text": text,
            }
        )
    return {
        "mail_from": envelope.mail_from,
        "rcpt_tos": list(envelope.rcpt_tos),
        "from": str(msg.get("From", "")),
        "to": str(msg.get("To", "")),
        "subject": str(msg.get("Subject", "")),
        "message_id": str(msg.get("Message-ID", "")),
        "headers": {k: str(v) for k, v in msg.items()},
        "content_type": msg.get_content_type(),
        "parts": parts,
    }


class Sink:
    def __init__(self, directory, raw_only):
        self.directory = directory
        self.raw_only = raw_only
        self.counter = itertools.count(1)

    def write(self, name, data):
        tmp = os.path.join(self.directory, f".{name}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(self.directory, name))

    async def handle_DATA(self, server, session, envelope):
        n = f"{os.getpid()}-{next(self.counter):06d}"
        raw = envelope.original_content or envelope.content
        self.write(f"{n}.eml", raw)
        if not self.raw_only:
            def save(index, data):
                name = f"{n}-part{index}.bin"
                self.write(name, data)
                return os.path.join(self.directory, name)

            self.write(f"{n}.json", json.dumps(reading(envelope, raw, save), ensure_ascii=False).encode("utf-8"))
        return "250 Message accepted for delivery"


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    directory = sys.argv[2] if len(sys.argv) > 2 else "."
    os.makedirs(directory, exist_ok=True)
    handler = Sink(directory, "--raw" in sys.argv[3:])
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.trainyard.test", data_size_limit=10_000_000),
        host="127.0.0.1",
        port=port,
        reuse_address=True,
    )
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
