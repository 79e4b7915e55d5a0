"""Two crawls of identical content give identical `reports` rows: which document is primary, and the
report's source URL, site, date and title, never depend on which copy happened to be fetched first."""
import json
import sqlite3
from pathlib import Path

from crawler.archive import Archive
from normalize.build import build

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "ogi" / "portal" / "documents"
SITE = "http://www.example.fixture.gov.cn/zwgk/zfxxgknb/"
TITLE = "平潭综合实验区行政审批局2023年政府信息公开工作年度报告"


def _crawl(root: Path, order: list[int]) -> Path:
    """One crawl of the same site: the report is listed in two columns (two page URLs, same bytes) and
    its seed text is attached to a 详见附件 page twice (a re-stamped copy); `order` is the fetch order."""
    a = Archive(root)
    a.run_dir("r1").mkdir(parents=True)
    (a.run_dir("r1") / "sources.json").write_text(json.dumps([{
        "id": "ex", "name": "示例", "agency": "示例市人民政府", "family": "trs-wcm", "entry_urls": [SITE]}]))
    a.write_summary("r1", {"run_id": "r1", "sites": [{"site": "ex", "status": "ok"}], "errors": [], "totals": {}})
    page = (DOCS / "dev-reports" / "pingtan_xzspj_2023.html").read_bytes()
    seed = (DOCS / "seeds" / "002_30fde63b7d2b0111.txt").read_bytes()
    notice = SITE + "202101/t20210126_1.html"
    fetches = [
        dict(data=page, url=SITE + "202401/t20240130_86659.htm", kind="report_page",
             meta={"role": "report_page", "title": TITLE, "listed_title": TITLE, "published": "2024-01-30"}),
        dict(data=page, url=SITE + "bm/202401/t20240131_86700.htm", kind="report_page",
             meta={"role": "report_page", "title": TITLE + "（转载）", "listed_title": TITLE, "published": "2024-01-31"}),
        dict(data="<html><body><div class=TRS_Editor><p>详见附件</p></div></body></html>".encode(), url=notice,
             kind="report_page", meta={"role": "report_page", "title": "淄博市大数据局2020年政府信息公开工作年度报告"}),
        dict(data=seed, url=SITE + "202101/P020210126.txt", kind="attachment",
             meta={"role": "attachment", "parent_url": notice}),
        dict(data=seed + b"\n", url=SITE + "202101/P020210127.txt", kind="attachment",
             meta={"role": "attachment", "parent_url": notice}),
    ]
    for second, i in enumerate(order):
        a.store(**fetches[i], site="ex", run_id="r1", fetched_at=f"2026-01-01T00:00:{second:02d}+00:00")
    return a.root


def _reports(db: Path) -> list:
    conn = sqlite3.connect(db)
    cols = [c[1] for c in conn.execute("pragma table_info(reports)") if c[1] not in ("first_seen", "last_seen")]
    rows = conn.execute(f"select {', '.join(cols)} from reports order by id").fetchall()
    conn.close()
    return rows


def test_two_crawls_of_identical_content_give_identical_reports_rows(tmp_path):
    one = _crawl(tmp_path / "one", [0, 1, 2, 3, 4])
    two = _crawl(tmp_path / "two", [4, 3, 2, 1, 0])
    build(one, tmp_path / "one.db")
    build(two, tmp_path / "two.db")
    rows = _reports(tmp_path / "one.db")
    assert len(rows) == 2
    assert rows == _reports(tmp_path / "two.db")
