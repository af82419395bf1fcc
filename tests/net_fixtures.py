"""Network fixtures for the fetch-guard tests: a scripted DNS server and a slow-drip HTTP server.

Both are real servers on 127.0.0.1: the fetcher under test talks DNS and HTTP to them exactly as it
would to the internet's (``REELFORGE_FETCH_NAMESERVERS`` points a reelforge server at the DNS one).
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class ScriptedDNS:
    """Answers A queries per name from a script: the n-th query for a name gets the n-th answer
    (the last one repeats), so a name can answer a public address first and 127.0.0.1 next, as a
    rebinding attacker's server does. AAAA queries get no records; unknown names NXDOMAIN."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.scripts: dict[str, list[list[str]]] = {}
        self.a_queries: Counter[str] = Counter()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.port}"

    def script(self, name: str, *answers: list[str]) -> str:
        self.scripts[name.lower()] = list(answers)
        return name

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        if name not in self.scripts:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.A:
            answers = self.scripts[name]
            addresses = answers[min(self.a_queries[name], len(answers) - 1)]
            self.a_queries[name] += 1
            response.answer.append(dns.rrset.from_text(question.name, 0, "IN", "A", *addresses))
        return response

    def _serve(self) -> None:
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return  # closed
            self.sock.sendto(self._answer(dns.message.from_wire(data)).to_wire(), peer)

    def __enter__(self) -> ScriptedDNS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


class DripHTTP:
    """Answers every GET with 200 and a large Content-Length, then one byte every ``interval_s``:
    each read returns quickly, so only a total deadline ends the fetch. Counts open exchanges."""

    def __init__(self, interval_s: float = 2.0, length: int = 10_000) -> None:
        self.in_flight = 0
        self.served = 0
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                with lock:
                    outer.in_flight += 1
                    outer.served += 1
                try:
                    self.send_response(200)
                    self.send_header("content-type", "image/png")
                    self.send_header("content-length", str(length))
                    self.end_headers()
                    for _ in range(length):
                        self.wfile.write(b"\x89")
                        self.wfile.flush()
                        time.sleep(interval_s)
                except OSError:
                    pass  # the fetcher hung up: what the deadline is for
                finally:
                    with lock:
                        outer.in_flight -= 1

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/drip.png") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> DripHTTP:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
