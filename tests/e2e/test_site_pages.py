"""The researchers' site on the demo database: a real `ogi serve` (Datasette + the ogi_site plugin) and
a real headless Chromium. Screenshots go to build/screenshots/ (git-ignored) for a person to look at."""
import hashlib
import http.client
import io
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ogi.serve import wait_ready
from ogi.site.dashboards import DASHBOARDS

from test_browser import CHROMIUM, free_port  # tests/e2e is on sys.path (rootdir-relative imports)

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "build" / "screenshots"


@pytest.fixture(scope="module")
def site(built_demo):
    assert CHROMIUM, "chromium is not installed: run `make setup` (apt package chromium)"
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ogi.cli", "serve", "--db", str(built_demo["db"]), "--port", str(port)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_ready(port, timeout=60), "ogi serve did not come up"
        yield {"url": f"http://127.0.0.1:{port}", "port": port, **built_demo}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def browse(url: str, shot: str, height: int = 1600) -> str:
    """The DOM after scripts ran, and a screenshot of the same page saved as build/screenshots/<shot>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--virtual-time-budget=6000"]
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([CHROMIUM, *common, f"--user-data-dir={profile}", "--dump-dom", url],
                             capture_output=True, text=True, timeout=90).stdout
        path = SHOTS / f"{shot}.png"
        subprocess.run([CHROMIUM, *common, f"--user-data-dir={profile}", f"--window-size=1280,{height}",
                        f"--screenshot={path}", url], capture_output=True, timeout=90)
    assert path.exists() and path.stat().st_size > 20000, f"no screenshot of {url}"
    return dom


def get(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def raw_get(port: int, path: str, hops: int = 3) -> int:
    """Send the path exactly as written (no client-side normalisation of ../ or %2e); follow Datasette's
    redirects (it tilde-encodes %2f) and return the final status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    conn.endheaders()
    resp = conn.getresponse()
    resp.read()
    location = resp.getheader("Location")
    if resp.status in (301, 302) and location and location.startswith("/") and hops:
        return raw_get(port, location, hops - 1)
    return resp.status


def q(s: str) -> str:
    return urllib.parse.quote(s, safe="")


def db_rows(db, sql, params=()):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def test_report_page_is_laid_out_as_printed_with_its_problems_marked(site):
    rep = db_rows(site["db"], "select r.id, r.agency, r.year, d.sha256 from reports r join documents d on d.id = r.primary_document "
                              "where r.checks_failed > 0 and r.template = '2021' order by r.id limit 1")[0]
    failed = db_rows(site["db"], "select count(*) as n from checks where report_id = ? and status = 'fail'", (rep["id"],))[0]["n"]
    dom = browse(f"{site['url']}/report/{q(rep['id'])}", "report", 3000)
    assert rep["agency"] in dom and f"{rep['year']}" in dom
    for header in ("申请人情况", "法人或其他组织", "（三）不予公开", "（四）无法提供", "三、本年度办理结果", "第二十条第（一）项",
                   "行政复议", "未经复议直接起诉", "复议后起诉"):
        assert header in dom, header
    assert len(re.findall(r'class="ogi-value[^"]*ogi-fail', dom)) >= failed  # every failed check marks cells
    assert "应为" in dom and "实为" in dom
    assert f'href="/archive/{rep["sha256"]}"' in dom
    assert "ogi-portal" in dom                         # link to the portal page
    assert "正文 Sections" in dom and "文档与版本" in dom


def test_archived_original_is_served_by_sha256_and_traversal_is_refused(site):
    doc = db_rows(site["db"], "select sha256, format from documents where format = 'pdf' limit 1")[0]
    status, body, headers = get(f"{site['url']}/archive/{doc['sha256']}")
    assert status == 200 and hashlib.sha256(body).hexdigest() == doc["sha256"] and body.startswith(b"%PDF")
    assert headers["Content-Type"] == "application/pdf" and "sandbox" in headers["Content-Security-Policy"]
    port = site["port"]
    sha = doc["sha256"]
    for path in ("/archive/../../etc/passwd", "/archive/..%2f..%2fetc%2fpasswd", "/archive/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                 "/archive/..", "/archive/", f"/archive/{sha[:2]}%2f{sha}", f"/archive/{sha}%00", f"/archive/{sha.upper()}",
                 f"/archive/{'0' * 64}", "/archive/" + "a" * 63 + "/", "/archive/blobs%2f" + sha[:2] + "%2f" + sha,
                 "/downloads/..%2fogi.db", "/downloads/../ogi.db", "/downloads/ogi.db"):
        assert raw_get(port, path) in (400, 404), path


def test_agency_across_years_and_two_reports_side_by_side(site):
    agency = db_rows(site["db"], "select agency, count(*) as n from reports group by agency order by n desc, agency limit 1")[0]["agency"]
    years = [r["id"] for r in db_rows(site["db"], "select id from reports where agency = ? order by year", (agency,))]
    dom = browse(f"{site['url']}/agency?agency={q(agency)}", "agency", 1400)
    assert agency in dom and "Δ" in dom
    for rid in years:
        assert f'href="/report/{q(rid)}"' in dom
    assert "本年新收政府信息公开申请数量" in dom
    a, b = years[-2], years[-1]
    dom = browse(f"{site['url']}/compare?a={q(a)}&b={q(b)}", "compare", 1400)
    assert a.rsplit("-", 1)[1] in dom and b.rsplit("-", 1)[1] in dom and "两份报告对照" in dom
    va = {(r["tbl"], r["row_code"], r["col_code"]): r["raw"] for r in db_rows(site["db"], "select * from cells where report_id = ?", (a,))}
    vb = {(r["tbl"], r["row_code"], r["col_code"]): r["raw"] for r in db_rows(site["db"], "select * from cells where report_id = ?", (b,))}
    assert dom.count("ogi-differs") == sum(1 for k in set(va) | set(vb) if va.get(k) != vb.get(k))


def _normal(s: str) -> str:
    return "".join(ch for ch in s if ch.isalnum())


@pytest.mark.parametrize("query", ["诉", "复议", "行政复议"])
def test_search_finds_the_right_reports_for_1_2_and_4_characters(site, query):
    passages = db_rows(site["db"], "select p.id, p.report_id, p.kind, p.text, r.year from passages p join reports r on r.id = p.report_id")
    expected = {p["report_id"] for p in passages if _normal(query) in _normal(p["text"])}
    assert expected, "the demo corpus should contain the query"
    found, page = set(), 1
    while True:  # the search page, every page
        status, body, _ = get(f"{site['url']}/search?q={q(query)}&page={page}")
        html = body.decode("utf-8")
        found |= {urllib.parse.unquote(m) for m in re.findall(r'class="ogi-hit-report" href="/report/([^"]+)"', html)}
        if 'class="ogi-next"' not in html:
            break
        page += 1
    assert found == expected
    # Datasette's own search box on `sections` (prose only) agrees with the text
    prose = {p["id"] for p in passages if p["kind"] == "prose" and _normal(query) in _normal(p["text"])}
    status, body, _ = get(f"{site['url']}/ogi/sections.json?_search={q(query)}&_size=max&_col=id")
    assert status == 200 and {r[0] for r in json.loads(body)["rows"]} == prose
    # filters: one year only
    year = max(p["year"] for p in passages if p["report_id"] in expected)
    status, body, _ = get(f"{site['url']}/search?q={q(query)}&year={year}&kind=prose")
    want = {p["report_id"] for p in passages if p["year"] == year and p["kind"] == "prose" and _normal(query) in _normal(p["text"])}
    got = {urllib.parse.unquote(m) for m in re.findall(r'class="ogi-hit-report" href="/report/([^"]+)"', body.decode())}
    assert got == want


def test_search_page_in_the_browser(site):
    dom = browse(f"{site['url']}/search?q={q('复议')}", "search", 1200)
    assert "<mark>复议</mark>" in dom and "份报告" in dom and "ogi-hit-report" in dom


def test_dashboard_draws_every_chart(site):
    dom = browse(f"{site['url']}/-/dashboards/overview", "dashboard", 2400)
    charts = DASHBOARDS["overview"]["charts"]
    for slug, chart in charts.items():
        assert f'id="chart-{slug}"' in dom
    vega = [s for s, c in charts.items() if c["library"] == "vega-lite"]
    drawn = re.findall(r'id="chart-([a-z_]+)"[^>]*class="[^"]*vega-embed', dom) + \
        re.findall(r'class="[^"]*vega-embed[^"]*"[^>]*id="chart-([a-z_]+)"', dom)
    assert dom.count("<canvas") >= len(vega) or set(drawn) >= set(vega), "charts were not drawn"
    assert "246" in dom or re.search(r"\d+ 份", dom)


def test_every_canned_and_dashboard_query_runs(site, built_demo):
    meta = json.loads((REPO / "metadata.json").read_text("utf-8"))
    rid = db_rows(site["db"], "select id from reports where template = '2021' limit 1")[0]["id"]
    for name, query in meta["databases"]["ogi"]["queries"].items():
        params = {p: {"report_id": rid, "q": "复议"}.get(p, "") for p in re.findall(r":(\w+)", query["sql"])}
        status, body, _ = get(f"{site['url']}/ogi/{name}.json?_shape=objects&" + urllib.parse.urlencode(params))
        assert status == 200 and "rows" in json.loads(body), (name, body[:300])
    year = db_rows(site["db"], "select max(year) as y from reports")[0]["y"]
    for filters in ({}, {"year": str(year), "level": "department", "template": "2021"}):
        for slug, chart in DASHBOARDS["overview"]["charts"].items():
            if "query" not in chart:
                continue
            from datasette_dashboards import replace_opts_in_query
            sql = replace_opts_in_query(chart["query"], filters)
            status, body, _ = get(f"{site['url']}/ogi.json?_shape=objects&" + urllib.parse.urlencode({"sql": sql, **filters}))
            assert status == 200 and "rows" in json.loads(body), (slug, filters, body[:300])
        for key, flt in DASHBOARDS["overview"]["filters"].items():
            status, body, _ = get(f"{site['url']}/ogi.json?" + urllib.parse.urlencode({"sql": flt["query"]}))
            assert status == 200 and json.loads(body)["rows"], key


def test_home_lists_downloads_that_match_their_files(site):
    status, body, _ = get(site["url"] + "/")
    html = body.decode("utf-8")
    downloads = db_rows(site["db"], "select * from downloads")
    assert {"panel.csv", "panel.parquet"} <= {d["name"] for d in downloads}
    for d in downloads:
        assert f'href="/downloads/{d["name"]}"' in html and d["sha256"] in html and "{:,}".format(d["rows"]) in html
        status, data, headers = get(f"{site['url']}/downloads/{d['name']}")
        assert status == 200 and hashlib.sha256(data).hexdigest() == d["sha256"]
        if d["format"] == "csv":
            assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").count("\n") == d["rows"] + 1
        else:
            import pyarrow.parquet as pq
            assert pq.read_table(io.BytesIO(data)).num_rows == d["rows"]


def test_conventions_robots_bom_labels_and_sqlite_utils_search(site):
    status, body, _ = get(site["url"] + "/robots.txt")
    assert status == 200 and b"Disallow: /" in body
    _, plain, _ = get(site["url"] + "/ogi/reports.csv?_size=3")
    _, excel, _ = get(site["url"] + "/ogi/reports.csv?_size=3&_bom=1")
    assert not plain.startswith(b"\xef\xbb\xbf") and excel == b"\xef\xbb\xbf" + plain
    _, labelled, _ = get(site["url"] + "/ogi/cells.csv?_size=3&_labels=on")
    assert re.search(r"\d{4}年度", labelled.decode("utf-8")), "_labels must keep the report year"
    _, facets, _ = get(site["url"] + "/ogi/reports?_facet=level&_facet=template")
    from ogi.site.labels import FIXED
    for column in ("level", "template"):
        values = {r["v"] for r in db_rows(site["db"], f"select distinct {column} as v from reports where {column} is not null")}
        assert values and all(f'class="ogi-zh">{FIXED[column][v]}' in facets.decode() for v in values if v in FIXED[column])
        assert values & set(FIXED[column]), f"no Chinese label for any {column}"
    import sqlite_utils
    db = sqlite_utils.Database(site["db"])
    assert db["sections"].detect_fts() == "sections_fts" and db["passages"].detect_fts() == "passages_fts"
    assert list(db["passages"].search("信息处理费", limit=1))
    missing = db_rows(site["db"], "select count(*) as n from checks where rule not in (select id from rules) or message_zh is null")
    assert missing[0]["n"] == 0


def test_click_paths_from_the_home_page(site):
    """Home → report (2 clicks) → original / agency across years / side by side (3); home → panel (1)."""
    def links(html: str) -> list[str]:
        return [urllib.parse.unquote(h).replace("&amp;", "&") for h in re.findall(r'href="(/[^"]*)"', html)]

    home = get(site["url"] + "/")[1].decode()
    assert 'action="/search"' in home                                        # click 1: the search box
    assert "/downloads/panel.csv" in links(home) and "/-/dashboards/overview" in links(home)
    # hits come in the index's order (issue 9), so the box is used with its year filter: the newest year
    year = db_rows(site["db"], "select max(year) as y from reports")[0]["y"]
    hits = get(site["url"] + "/search?q=" + q("复议") + f"&year={year}")[1].decode()
    report_url = next(h for h in links(hits) if h.startswith("/report/"))     # click 2: a hit
    status, body, _ = get(site["url"] + urllib.parse.quote(report_url))
    page = body.decode()
    assert status == 200 and "申请人情况" in page
    reports_table = get(site["url"] + "/ogi/reports")[1].decode()            # or click 1: all reports
    assert any(h.startswith("/report/") for h in links(reports_table))         # click 2: the agency's name
    for prefix in ("/archive/", "/agency?", "/compare?"):                     # click 3
        target = next((h for h in links(page) if h.startswith(prefix)), None)
        if prefix == "/compare?" and target is None:
            continue  # the first report of an agency has no previous year
        assert target, prefix
        path, _, query = target.partition("?")
        status, _, _ = get(site["url"] + urllib.parse.quote(path) + ("?" + urllib.parse.urlencode(urllib.parse.parse_qsl(query)) if query else ""))
        assert status == 200, target
