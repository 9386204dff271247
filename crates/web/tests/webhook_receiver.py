"""A webhook receiver on loopback for crates/web/tests/webhooks.rs.

Every request to /hook/<name> is verified with the Standard Webhooks reference library
(`standardwebhooks` from PyPI) against the secret the test set for <name>; verified events are
recorded (id, type, number of signatures) in arrival order, others rejected with 400 and recorded
as such. Control requests (unsigned, from the test):

  POST /control/secret/<name>   body: the endpoint's secret (whsec_...)
  POST /control/mode/<name>     body: ok | fail (answer 500) | slow:<seconds> (then ok)
  GET  /control/received        {"received": [...], "rejected": [...]}

Usage: webhook_receiver.py PORT [--tls CERT KEY] (PORT 0: any free port; with --tls it serves
HTTPS with that certificate chain and key). Prints "READY <port>" once listening.
Exits with status 3 and MISSING-STANDARDWEBHOOKS on stderr when the library is missing.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError
except ImportError:
    print("MISSING-STANDARDWEBHOOKS: python3 -m pip install standardwebhooks", file=sys.stderr)
    sys.exit(3)

LOCK = threading.Lock()
SECRETS = {}
MODES = {}
RECEIVED = []
REJECTED = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("content-length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path == "/control/received":
            with LOCK:
                data = json.dumps({"received": RECEIVED, "rejected": REJECTED}).encode()
            return self.reply(200, data)
        self.reply(404)

    def do_POST(self):
        body = self.body()
        parts = self.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "control":
            with LOCK:
                if parts[1] == "secret":
                    SECRETS[parts[2]] = body.decode()
                elif parts[1] == "mode":
                    MODES[parts[2]] = body.decode()
                else:
                    return self.reply(404)
            return self.reply(204)
        if len(parts) != 2 or parts[0] != "hook":
            return self.reply(404)
        name = parts[1]
        with LOCK:
            mode = MODES.get(name, "ok")
            secret = SECRETS.get(name)
        if mode == "fail":
            return self.reply(500, b'{"error": "failing on purpose"}')
        if mode.startswith("slow:"):
            time.sleep(float(mode.split(":", 1)[1]))
        headers = {k: v for k, v in self.headers.items()}
        try:
            if not secret:
                raise WebhookVerificationError("no secret set for " + name)
            event = Webhook(secret).verify(body, headers)
        except Exception as e:  # noqa: BLE001 - every failure is a rejection to report
            with LOCK:
                REJECTED.append({"endpoint": name, "id": headers.get("webhook-id"), "error": str(e)})
            return self.reply(400, json.dumps({"error": str(e)}).encode())
        with LOCK:
            RECEIVED.append({
                "endpoint": name,
                "id": headers.get("webhook-id"),
                "type": event.get("type"),
                "signatures": len(headers.get("webhook-signature", "").split(" ")),
                "data": event.get("data"),
            })
        self.reply(204)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    if len(sys.argv) == 5 and sys.argv[2] == "--tls":
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("READY", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
