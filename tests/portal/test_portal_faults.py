"""The faults of PORTALS.md §8.2 F in the hostile scenario, plus the TRS stub page."""
from __future__ import annotations

import http.client
import socket
import time
import urllib.parse

import pytest

from ogi.portal import expected


@pytest.fixture(scope="module")
def faults():
    by_kind = {}
    for f in expected("hostile")["faults"]:
        by_kind.setdefault(f["kind"], []).append(f["url"])
    return by_kind


def test_every_fault_kind_is_present(faults):
    assert set(faults) == {"slow", "flaky", "truncated", "reset", "empty", "soft_404", "redirect_loop"}
    assert expected("default")["faults"] == []


def test_slow(hclient, faults):
    t = time.monotonic()
    assert hclient.get(faults["slow"][0])[0] == 200
    assert time.monotonic() - t >= 0.3
    with pytest.raises(socket.timeout):
        hclient.get(faults["slow"][0], timeout=0.1)


def test_flaky_every_third_hit(hclient, faults):
    url = faults["flaky"][0]
    got = [hclient.get(url)[0] for _ in range(6)]
    assert got == [200, 200, 503, 200, 200, 503]


def test_truncated(hostile, faults):
    parts = urllib.parse.urlsplit(faults["truncated"][0])
    conn = http.client.HTTPConnection("127.0.0.1", hostile.port, timeout=5)
    conn.request("GET", faults["truncated"][0], headers={"Host": parts.netloc})
    resp = conn.getresponse()
    assert resp.status == 200
    with pytest.raises(http.client.IncompleteRead):
        resp.read()
    conn.close()


def test_reset_before_headers(hostile, faults):
    parts = urllib.parse.urlsplit(faults["reset"][0])
    conn = http.client.HTTPConnection("127.0.0.1", hostile.port, timeout=5)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine)):
        conn.request("GET", faults["reset"][0], headers={"Host": parts.netloc, "Accept-Language": "zh-CN"})
        conn.getresponse()
    conn.close()


def test_empty_soft404_redirect_loop(hclient, faults):
    st, resp, body = hclient.get(faults["empty"][0])
    assert st == 200 and body == b"" and resp.getheader("Content-Length") == "0"
    st, _, body = hclient.get(faults["soft_404"][0])
    assert st == 200 and "非法请求 404！".encode() in body
    url = faults["redirect_loop"][0]
    st, resp, _ = hclient.get(url)
    assert st == 302 and resp.getheader("Location") == url and resp.getheader("Set-Cookie").startswith("CT6T=")
    cookie = resp.getheader("Set-Cookie").split(";")[0]
    st2, resp2, _ = hclient.get(url, headers={"Cookie": cookie})
    assert st2 == 302 and resp2.getheader("Location") == url


def test_trs_stub_and_lost_reports(hclient):
    truth = expected("hostile")
    pag = next(p for p in truth["pagination"] if p["scheme"] == "trs-createPageHTML-0")
    assert pag["end"]["kind"] == "stub"
    st, _, body = hclient.get(pag["end"]["url"])
    assert st == 200 and len(body) == 350 and b"href" not in body
    reasons = {r["lost_reason"] for r in truth["lost"]}
    assert {"listing_broken", "detail_broken", "host_not_crawlable"} <= reasons
    lost_urls = {r["url"] for r in truth["lost"]}
    kept = {r["url"] for r in truth["reports"]}
    assert not lost_urls & kept
