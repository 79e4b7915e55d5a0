"""Shared fixtures for the fixture-portal tests: running portals and a small urllib client.

Every request goes to 127.0.0.1 (proxy mode or Host-header mode); nothing leaves the machine.
"""
from __future__ import annotations

import gzip
import http.client
import urllib.parse

import pytest

from ogi.portal import start_portal


class Client:
    """Minimal HTTP/1.1 client over http.client: no redirects followed, gzip decoded, proxy or Host mode."""

    def __init__(self, portal, mode: str = "proxy"):
        self.portal = portal
        self.mode = mode

    def request(self, url: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None,
                timeout: float = 10):
        parts = urllib.parse.urlsplit(url)
        hdrs = {"Accept-Language": "zh-CN,zh;q=0.9", "User-Agent": "ogi-reports-test"}
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.portal.port, timeout=timeout)
        try:
            if self.mode == "proxy":
                target = url
            else:
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                hdrs.setdefault("Host", parts.netloc)
            if self.mode == "proxy":
                conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                conn.putheader("Host", parts.netloc)
            else:
                conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for k, v in hdrs.items():
                if self.mode != "proxy" or k.lower() != "host":
                    conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            if resp.getheader("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            return resp.status, resp, data
        finally:
            conn.close()

    def get(self, url, **kw):
        return self.request(url, **kw)

    def post(self, url, form: dict, **kw):
        body = urllib.parse.urlencode(form).encode("utf-8")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Requested-With": "XMLHttpRequest"}
        headers.update(kw.pop("headers", {}) or {})
        return self.request(url, method="POST", headers=headers, body=body, **kw)


@pytest.fixture(scope="session")
def portal():
    p = start_portal(scenario="default")
    yield p
    p.stop()


@pytest.fixture(scope="session")
def hostile():
    p = start_portal(scenario="hostile", slow_seconds=0.3)
    yield p
    p.stop()


@pytest.fixture(scope="session")
def client(portal):
    return Client(portal, "proxy")


@pytest.fixture(scope="session")
def direct(portal):
    return Client(portal, "host")


@pytest.fixture(scope="session")
def hclient(hostile):
    return Client(hostile, "proxy")
