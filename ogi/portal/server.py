"""The fixture portal's HTTP server: one process, many virtual hosts, reached as a forward proxy or by Host.

Design from PORTALS.md §8.1: stdlib ``ThreadingHTTPServer``; Scrapy's ``HttpProxyMiddleware`` sends
absolute-URI requests (``GET http://www.qingyu.fixture.gov.cn/... HTTP/1.1``) which are routed on the URI's
host; direct requests are routed on the ``Host`` header. ``CONNECT`` answers 502 (HTTPS broken, use
HTTP) and so does any host the portal does not know, like a proxy that cannot resolve it.

Also here: the faults of §8.2 F (slow, flaky, truncated, reset, empty, soft_404, redirect_loop), gzip for
clients that accept it, a fixed ``Date`` header (nothing reads the clock into a response), and per-host /
per-path hit counters for tests.
"""
from __future__ import annotations

import gzip
import socket
import struct
import sys
import threading
import time
import traceback
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .sites.base import FIXED_HTTP_DATE, Request, Response, nginx_error
from .world import World, build_world

LOCAL_NAMES = {"127.0.0.1", "localhost", "[::1]"}
GZIP_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "text/xml")


class Hits(dict):
    """host -> Counter(path[?query] -> number of requests). Thread-safe updates. ``log`` is the request
    log: (time.monotonic() at arrival, host, path[?query]) in arrival order."""

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()
        self.log: list[tuple[float, str, str]] = []

    def add(self, host: str, path: str):
        with self._lock:
            self.setdefault(host, Counter())[path] += 1
            self.log.append((time.monotonic(), host, path))

    def total(self, host: str) -> int:
        with self._lock:
            return sum(self.get(host, {}).values())

    def get_count(self, host: str, path: str) -> int:
        with self._lock:
            return self.get(host, {}).get(path, 0)

    def snapshot(self) -> dict:
        with self._lock:
            return {h: dict(c) for h, c in self.items()}

    def reset(self):
        with self._lock:
            self.clear()
            self.log.clear()


class PortalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, world: World, slow_seconds: float | None = None, verbose: bool = False):
        super().__init__(addr, PortalHandler)
        self.world = world
        self.hits = Hits()
        self.fault_counts = Counter()
        self.fault_lock = threading.Lock()
        self.slow_seconds = world.scenario.slow_seconds if slow_seconds is None else slow_seconds
        self.verbose = verbose

    def handle_error(self, request, client_address):  # keep test output quiet on client resets
        if self.verbose:
            super().handle_error(request, client_address)


class PortalHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 20  # idle keep-alive connections are closed after this many seconds
    server: PortalHTTPServer

    # ---------------------------------------------------------------- plumbing
    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def _write_head(self, status: int, headers: list, reason: str | None = None):
        self.send_response_only(status, reason)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()

    def do_CONNECT(self):
        host = self.path.rsplit(":", 1)[0]
        self.server.hits.add(host, "CONNECT " + self.path)
        body = b"HTTPS is not available through this proxy\n"
        self._write_head(502, [("Content-Type", "text/plain"), ("Content-Length", str(len(body))),
                               ("Connection", "close")])
        self.wfile.write(body)
        self.close_connection = True

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_HEAD(self):
        self._serve("HEAD")

    def do_PUT(self):
        self._serve("PUT")

    def do_OPTIONS(self):
        self._serve("OPTIONS")

    # ---------------------------------------------------------------- request parsing
    def _target(self):
        raw = self.path
        if raw.startswith("http://") or raw.startswith("https://"):
            parts = urlsplit(raw)
            host = (parts.hostname or "").lower()
            port = parts.port
            if parts.scheme == "https" or (port not in (None, 80)):
                return None, parts.path or "/", parts.query, True
            return host, parts.path or "/", parts.query, True
        host = (self.headers.get("Host") or "").strip().lower()
        if host.startswith("["):
            name = host.split("]")[0] + "]"
        else:
            name = host.split(":")[0]
        path, _, query = raw.partition("?")
        return name, path or "/", query, False

    # ---------------------------------------------------------------- serving
    def _serve(self, method: str):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host, path, query, proxied = self._target()
        key = path + (f"?{query}" if query else "")
        self.server.hits.add(host or "?", key)
        world = self.server.world
        headers = {k.lower(): v for k, v in self.headers.items()}
        if not host or (host not in world.hosts and not (host in LOCAL_NAMES and not proxied)):
            return self._send(Response(502, f"Bad Gateway: cannot resolve {host or '?'}\n".encode(), "text/plain",
                                       compress=False), method, headers, server="fixture-proxy")
        if host in LOCAL_NAMES:
            return self._send(self._index_page(), method, headers, server="fixture-portal")
        site = world.hosts[host]
        req = Request(method, host, path, query, headers, body, proxied)

        kind = world.faults.get((host, path))
        if kind and self._fault(kind, req, site, key):
            return
        delay = req.params.get("delay") if world.scenario.faults else None
        if delay:
            try:
                time.sleep(min(float(delay), 30.0))
            except ValueError:
                pass
        try:
            resp = site.handle(req)
        except Exception:  # a bug in a site: answer 500 like a broken server, keep serving
            traceback.print_exc()
            resp = nginx_error(500, "Internal Server Error")
        self._send(resp, method, headers, server=site.server_header, allow_gzip=site.gzip)

    def _send(self, resp: Response, method: str, req_headers: dict, server: str = "nginx",
              allow_gzip: bool = True):
        body = resp.body
        headers = [("Server", server), ("Date", FIXED_HTTP_DATE)]
        if resp.content_type:
            headers.append(("Content-Type", resp.content_type))
        headers += resp.headers
        if (allow_gzip and resp.compress and body and len(body) > 256 and resp.content_type
                and resp.content_type.startswith(GZIP_TYPES) and "gzip" in req_headers.get("accept-encoding", "")):
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        headers.append(("Content-Length", str(len(body))))
        self._write_head(resp.status, headers)
        if method != "HEAD" and body:
            self.wfile.write(body)

    def _index_page(self) -> Response:
        rows = []
        for row in self.server.world.registry:
            links = "".join(f'<li><a href="{u}">{u}</a></li>' for u in row["entry_urls"])
            rows.append(f"<h3>{row['name']} <small>({row['family']}, {row['id']})</small></h3><ul>{links}</ul>")
        html = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>ogi fixture portal</title></head><body>"
                f"<h1>ogi fixture portal — scenario {self.server.world.scenario.name}</h1>"
                "<p>Use this server as an HTTP proxy (e.g. <code>curl -x http://127.0.0.1:PORT "
                "http://www.qingyu.fixture.gov.cn/</code>) or send a Host header.</p>" + "".join(rows) +
                "</body></html>")
        return Response(200, html.encode("utf-8"), "text/html; charset=utf-8")

    # ---------------------------------------------------------------- faults (PORTALS.md §8.2 F)
    def _fault(self, kind: str, req: Request, site, key: str) -> bool:
        """Apply a fault. Returns True when the response was fully handled here."""
        if kind == "slow":
            time.sleep(self.server.slow_seconds)
            return False
        if kind == "flaky":
            with self.server.fault_lock:
                self.server.fault_counts[(req.host, key)] += 1
                n = self.server.fault_counts[(req.host, key)]
            if n % 3 == 0:
                self._send(nginx_error(503, "Service Temporarily Unavailable"), req.method, req.headers,
                           allow_gzip=False)
                return True
            return False
        if kind == "reset":
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.close_connection = True
            try:
                self.connection.close()
            except OSError:
                pass
            return True
        if kind == "truncated":
            resp = site.handle(req)
            body = resp.body or b"x" * 2048
            cut = body[: max(1, len(body) // 3)]
            headers = [("Server", site.server_header), ("Date", FIXED_HTTP_DATE),
                       ("Content-Type", resp.content_type or "application/octet-stream"),
                       ("Content-Length", str(len(body) + 4096))]
            self._write_head(200, headers)
            try:
                self.wfile.write(cut)
                self.wfile.flush()
            except OSError:
                pass
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if kind == "empty":
            self._send(Response(200, b"", "text/html"), req.method, req.headers, server=site.server_header)
            return True
        if kind == "soft_404":
            body = ("<html><head><meta charset=\"utf-8\"><title>提示信息</title></head><body>"
                    "<div style=\"text-align:center;margin-top:100px\">非法请求 404！</div></body></html>")
            self._send(Response(200, body.encode("utf-8"), "text/html;charset=UTF-8"), req.method, req.headers,
                       server=site.server_header)
            return True
        if kind == "redirect_loop":
            token = "%08x" % zlib.crc32(f"{req.host}{key}".encode("utf-8"))
            headers = [("Location", req.url), ("Set-Cookie", f"CT6T={token}; path=/; HttpOnly")]
            self._send(Response(302, b"", "text/html", headers), req.method, req.headers, server="openresty")
            return True
        return False


class Portal:
    """A running fixture portal (background thread). Use as a context manager or call ``stop()``."""

    def __init__(self, scenario: str = "default", port: int = 0, host: str = "127.0.0.1",
                 slow_seconds: float | None = None, verbose: bool = False):
        self.world = build_world(scenario)
        self.scenario = scenario
        self._server = PortalHTTPServer((host, port), self.world, slow_seconds=slow_seconds, verbose=verbose)
        self.host = host
        self.port = self._server.server_address[1]
        self._thread = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def proxy(self) -> str:
        return self.url

    @property
    def hits(self) -> Hits:
        return self._server.hits

    @property
    def slow_seconds(self) -> float:
        return self._server.slow_seconds

    @slow_seconds.setter
    def slow_seconds(self, value: float):
        self._server.slow_seconds = value

    def start(self) -> "Portal":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"ogi-portal-{self.port}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self._server.serve_forever(poll_interval=0.2)

    def stop(self):
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_portal(port: int = 0, scenario: str = "default", host: str = "127.0.0.1",
                 slow_seconds: float | None = None, verbose: bool = False) -> Portal:
    """Start the fixture portal in a background thread and return the running ``Portal``."""
    return Portal(scenario, port, host, slow_seconds=slow_seconds, verbose=verbose).start()
