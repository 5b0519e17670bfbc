#!/usr/bin/env python3
"""A FHIR message receiver for the delivery tests, in Python's standard library only.

usage: receiver.py PORT LOG [--fail N] [--code STATUS] [--cert PEM --key PEM [--client-ca PEM]]

Listens on 127.0.0.1:PORT. Each POST appends its HTTP answer status and whether the client showed a
certificate to LOG (one line each, flushed at once, so the test can count attempts). The first N
POSTs are answered with STATUS (default 503) and no acknowledgement; later ones with 200 and a FHIR
acknowledgement (a message Bundle whose MessageHeader.response names the message's id, code ok).
With --cert/--key it serves HTTPS; with --client-ca as well it requires a client certificate signed
by (or equal to) that file, so a sender without one fails the TLS handshake. Stop it with SIGTERM.
"""
import argparse
import http.server
import json
import signal
import ssl
import sys
import uuid


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("log")
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--code", type=int, default=503)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--client-ca")
    a = ap.parse_args()
    seen = {"n": 0}
    log = open(a.log, "a", buffering=1)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, ctype, body):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen["n"] += 1
            peer = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
            status = a.code if seen["n"] <= a.fail else 200
            log.write("%d %s\n" % (status, "client-cert" if peer else "no-client-cert"))
            if status != 200:
                self.answer(status, "text/plain", "try again later")
                return
            header = json.loads(body)["entry"][0]["resource"]
            ack = {"resourceType": "Bundle", "type": "message", "entry": [{"fullUrl": "urn:uuid:%s" % uuid.uuid4(),
                   "resource": {"resourceType": "MessageHeader", "id": str(uuid.uuid4()),
                                "eventCoding": header["eventCoding"],
                                "source": {"endpoint": "https://127.0.0.1:%d/" % a.port},
                                "response": {"identifier": header["id"], "code": "ok"}}}]}
            self.answer(200, "application/fhir+json", json.dumps(ack))

    srv = http.server.HTTPServer(("127.0.0.1", a.port), Handler)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.client_ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
