"""Common pieces of the fixture sites: request/response objects, a static page table, 404 styles.

Not modelled on one CMS family; the per-family modules (trs, hanweb, gkmlpt, ucap, platform, antibot)
say which real family they copy and the evidence (PORTALS.md sections).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs

# the fixture's fixed "now" (all 2025 reports are out by March 2026); used for Date headers
FIXED_HTTP_DATE = "Mon, 01 Jun 2026 02:00:00 GMT"


@dataclass
class Request:
    method: str
    host: str
    path: str
    query: str
    headers: dict  # lower-case names
    body: bytes = b""
    proxied: bool = False  # absolute-URI (forward proxy) request

    @property
    def params(self) -> dict:
        """Query-string and form fields (form wins), first value of each."""
        out = {k: v[0] for k, v in parse_qs(self.query, keep_blank_values=True).items()}
        ctype = self.headers.get("content-type", "")
        if self.method == "POST" and self.body and "multipart" not in ctype:
            try:
                form = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
            except Exception:  # pragma: no cover - defensive
                form = {}
            out.update({k: v[0] for k, v in form.items()})
        return out

    @property
    def cookies(self) -> dict:
        out = {}
        for part in self.headers.get("cookie", "").split(";"):
            if "=" in part:
                k, v = part.split("=", 1)
                out[k.strip()] = v.strip()
        return out

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}" + (f"?{self.query}" if self.query else "")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html"
    headers: list = field(default_factory=list)
    compress: bool = True  # eligible for gzip when the client accepts it

    def header(self, name: str):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def nginx_404() -> Response:
    body = (b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1>"
            b"</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
    return Response(404, body, "text/html")


def apache_404(path: str) -> Response:
    """Apache-style English 404 in ISO-8859-1, as legacy TRS hosts send (PORTALS.md §2.1 Encoding)."""
    body = ("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n"
            "</head><body>\n<h1>Not Found</h1>\n<p>The requested URL " + path.replace("<", "&lt;") +
            " was not found on this server.</p>\n<hr>\n<address>Apache Server at localhost Port 80</address>\n"
            "</body></html>\n").encode("latin-1", "replace")
    return Response(404, body, "text/html; charset=iso-8859-1")


def nginx_error(status: int, reason: str) -> Response:
    body = (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}"
            f"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode("ascii")
    return Response(status, body, "text/html")


class Site:
    """One virtual host. Static pages live in `pages` (path -> Response); `route` handles dynamic paths."""

    server_header = "nginx"
    gzip = True

    def __init__(self, host: str, site_id: str, scenario):
        self.host = host
        self.site_id = site_id
        self.scenario = scenario
        self.pages: dict[str, Response] = {}

    # -- building
    def add(self, path: str, body: bytes, content_type: str | None = "text/html", status: int = 200,
            headers=(), compress: bool = True, aliases=()):
        resp = Response(status, body, content_type, list(headers), compress)
        self.pages[path] = resp
        for a in aliases:
            self.pages[a] = resp
        return resp

    def absolute(self, path: str) -> str:
        return f"http://{self.host}{path}"

    # -- serving
    def route(self, req: Request):
        return None

    def not_found(self, req: Request) -> Response:
        return nginx_404()

    def attachment(self, path: str, att, content_type: str = "application/octet-stream", headers=()):
        """Serve an attachment whose bytes are made on first request (see generate.Attachment)."""
        return self.add(path, att, content_type, headers=headers, compress=False)

    def handle(self, req: Request) -> Response:
        resp = self._handle(req)
        if not isinstance(resp.body, bytes):  # a lazily generated attachment
            resp = Response(resp.status, resp.body.data, resp.content_type, resp.headers, resp.compress)
        return resp

    def _handle(self, req: Request) -> Response:
        resp = self.route(req)
        if resp is None:
            resp = self.pages.get(req.path)
        if resp is None and not req.path.endswith("/") and (req.path + "/") in self.pages:
            resp = Response(301, b"", "text/html", [("Location", self.absolute(req.path + "/"))])
        if resp is None:
            resp = self.not_found(req)
        return resp
