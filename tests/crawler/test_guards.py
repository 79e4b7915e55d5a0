"""crawler.guards.refusal: only http(s) on registry hosts, never private addresses."""
import pytest

from crawler.guards import refusal

DOMAINS = ["www.qy.example.gov.cn", "qy.example.gov.cn"]


@pytest.mark.parametrize("url", ["http://www.qy.example.gov.cn/nb/", "https://jyt.qy.example.gov.cn/a.pdf",
                                 "HTTP://WWW.QY.EXAMPLE.GOV.CN/x"])
def test_registry_hosts_over_http_are_allowed(url):
    assert refusal(url, DOMAINS) is None


@pytest.mark.parametrize("url, why", [
    ("file://www.qy.example.gov.cn/etc/passwd", "scheme file://"),
    ("file:///etc/passwd", "scheme file://"),
    ("ftp://www.qy.example.gov.cn/a.pdf", "scheme ftp://"),
    ("data:text/html,<p>x</p>", "scheme data://"),
    ("s3://bucket/key", "scheme s3://"),
    ("http://evil.example.com/", "not a registry host"),
    ("http://qy.example.gov.cn.evil.com/", "not a registry host"),
    ("http://127.0.0.1:8080/", "private or local"),
    ("http://[::1]/", "private or local"),
    ("http://169.254.169.254/latest/meta-data/", "private or local"),
    ("http://10.0.0.5/", "private or local"),
    ("http://www.qy.example.gov.cn:99999/", "malformed URL"),
    ("http://www.qy.example.gov.cn:abc/", "malformed URL"),
])
def test_everything_else_is_refused_with_its_reason(url, why):
    assert why in (refusal(url, DOMAINS) or "")


def test_private_addresses_only_when_the_deployment_allows_them():
    assert refusal("http://127.0.0.1:8080/", None, allow_private=True) is None
