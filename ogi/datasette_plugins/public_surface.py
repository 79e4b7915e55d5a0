"""Datasette plugin: what a public visitor can and cannot reach.

- The published database is read-only and nobody logs in, so a POST (PUT, PATCH, DELETE) to a page is
  answered 405 Method Not Allowed instead of Datasette's 500 on a table; Datasette's own ``/-/`` pages
  are left alone.
- ``/-/databases`` (and ``.json``) name each database's file without the server's directory (the
  absolute path told visitors where the deployment lives on disk).
"""
from __future__ import annotations

from pathlib import PurePath

from datasette import hookimpl

READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def redact(body: bytes, paths: list[str]) -> bytes:
    """A page with the directory of every database file taken out (the file name stays)."""
    for p in paths:
        parent = str(PurePath(p).parent).rstrip("/") + "/"
        if parent != "/":
            body = body.replace(parent.encode(), b"")
    return body


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def guarded(scope, receive, send):
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            path = scope.get("path") or "/"
            if scope.get("method", "GET").upper() not in READ_METHODS and not path.startswith("/-/"):
                body = b"Method Not Allowed: this site is read-only"
                await send({"type": "http.response.start", "status": 405,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"allow", b"GET, HEAD"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            if path.rstrip("/") not in ("/-/databases.json", "/-/databases"):
                await app(scope, receive, send)
                return
            start, chunks = {}, []

            async def capture(message):
                if message["type"] == "http.response.start":
                    start.update(message)
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body"):
                        body = b"".join(chunks)
                        body = redact(body, [db.path for db in datasette.databases.values() if db.path])
                        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                        await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
                        await send({"type": "http.response.body", "body": body})

            await app(scope, receive, capture)

        return guarded

    return wrap
