"""The plain-text dump reader and the human rendering of tables."""
from __future__ import annotations

from pathlib import Path

from normalize.document import Paragraph, Table
from normalize.extract.textdump import read_textdump, sniff_style
from normalize.parse import parse_document, parse_path
from normalize.render import render_tables

SEEDS = Path(__file__).resolve().parents[2] / "ogi/portal/documents/seeds"


def test_parse_textdump_cell_per_line():
    text = ("标题\n二、主动公开政府信息情况\n\t信息内容\n\t本年新\n制作数量\n\t对外公开总数量\n\n"
            "\t规章\n\t\u3000\u30000\n\t\xa00\n\n\n三、收到和处理\n\t三、\n本\n年\n度\n\t（一）予以公开\n\t\n\t 5 \n")
    d = read_textdump(text)
    kinds = [type(b).__name__ for b in d.blocks]
    assert kinds == ["Paragraph", "Paragraph", "Table", "Paragraph", "Table"]
    t0, t1 = d.tables
    assert t0.rows == [["信息内容", "本年新\n制作数量", "对外公开总数量"], ["规章", "0", "0"]]
    assert t1.rows == [["三、\n本\n年\n度", "（一）予以公开", "", "5"]]
    assert (t0.index, t1.index, t0.ragged) == (0, 1, True)
    assert d.format == "text"


def test_parse_textdump_row_per_line():
    text = ("标题\n\n第二十条第（一）项\n\n信息内容\t本年新\t本年新\t对外公开总数量\n\t制作数量\t公开数量\t\n"
            "规章\t0\t0\t0\n\n第二十条第（五）项\n\n信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n"
            "行政许可\t0\t0\t0\n7.属于行政执法案卷\t\t0\t0\n\n\t\t8.属于行政查询事项\t0\t0\n")
    d = read_textdump(text)
    assert d.meta["textdump_style"] == "rows"
    assert [type(b).__name__ for b in d.blocks] == ["Paragraph", "Paragraph", "Table", "Paragraph", "Table"]
    assert d.tables[0].rows[1] == ["", "制作数量", "公开数量", ""]
    assert d.tables[1].rows[-2:] == [["7.属于行政执法案卷", "", "0", "0"], ["", "", "8.属于行政查询事项", "0", "0"]]


def test_parse_textdump_sniff_and_bookmarks():
    assert sniff_style(["\ta", "\tb", "c"]) == "cells"
    assert sniff_style(["a\tb", "c\td", "e\tf\t", "\tg"]) == "rows"
    d = read_textdump("[bookmark: _GoBack]（四）政府信息管理情况。正文")
    assert d.blocks == [Paragraph("（四）政府信息管理情况。正文")]


def test_parse_textdump_every_seed_reads():
    for p in sorted(SEEDS.glob("*.txt")):
        d = read_textdump(p.read_text("utf-8"))
        assert len(d.tables) >= 3, p.name
        assert all(isinstance(b, (Paragraph, Table)) for b in d.blocks)
        for t in d.tables:
            for r in t.rows:
                assert all(c == c.strip() for c in r)


def test_parse_path_falls_back_to_textdump_for_seeds():
    res = parse_path(SEEDS / "002_30fde63b7d2b0111.txt")
    assert res["template"] == "2019" and len(res["cells"]) == 198
    assert set(res) == {"template", "year", "agency", "agency_source", "agency_printed", "published", "title", "level", "region", "t3_rows",
                        "needs_ocr", "sections", "cells", "checks", "issues", "indicators"}


def test_parse_document_issues_carried():
    from normalize.document import DocIssue, Document
    d = Document(blocks=[Paragraph("详见附件")], issues=[DocIssue("needs_ocr", "scanned PDF", "warning")],
                 needs_ocr=True)
    res = parse_document(d)
    assert res["needs_ocr"] is True and res["template"] == "unknown" and res["cells"] == []
    assert res["issues"][0]["rule"] == "needs_ocr" and res["issues"][0]["level"] == "warning"


def test_parse_render_tables_like_the_original():
    res = parse_document(read_textdump((SEEDS / "003_d67fec3efbc2aac7.txt").read_text("utf-8")))
    out = render_tables(res)
    assert "表二" in out and "表三" in out and "表四" in out
    assert "政府集中采购" in out and "未经复议直接起诉" in out and "法人或其他组织" in out
    line = next(ln for ln in out.splitlines() if "7.属于行政执法案卷" in ln)
    assert line.split()[1:] == ["0"] * 5  # two blank cells shown blank, not 0
    tot = next(ln for ln in out.splitlines() if "四、结转下年度继续办理" in ln)
    assert tot.split()[1:] == ["0"]
    # a cell that could not be placed shows "?"
    res["cells"] = [c for c in res["cells"] if not (c["table"] == "t4" and c["row"] == "review" and c["col"] == "total")]
    assert "?" in render_tables(res).split("表四")[1]
