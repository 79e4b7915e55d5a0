"""DOCX extraction: body order, Word merges → the same grid as HTML spans, numbering, nesting, bombs."""
import io
import time
import zipfile

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from normalize.document import Table
from normalize.extract import Limits, extract_bytes
from normalize.extract.docx import format_number

# The same logical table as GRID_HTML in test_extract_html.py
GRID_HTML = """<html><body><div class="TRS_Editor"><p>{pad}</p><table>
 <tr><td rowspan="2">信息内容</td><td colspan="3">法人或其他组织</td><td rowspan=2>总计</td></tr>
 <tr><td><p>商业</p><p>企业</p></td><td>科研<br>机构</td><td>其他</td></tr>
 <tr><td rowspan="2">三、本年度办理结果</td><td>1</td><td>2</td><td>3</td><td>6</td></tr>
 <tr><td>4</td><td>5</td><td>6</td><td>15</td></tr>
</table></div></body></html>""".replace("{pad}", "正文" * 60)
GRID = [
    ["信息内容", "法人或其他组织", "法人或其他组织", "法人或其他组织", "总计"],
    ["信息内容", "商业企业", "科研机构", "其他", "总计"],
    ["三、本年度办理结果", "1", "2", "3", "6"],
    ["三、本年度办理结果", "4", "5", "6", "15"],
]


def save(d) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def grid_docx() -> docx.Document:
    d = docx.Document()
    d.add_paragraph("一、总体情况")
    t = d.add_table(rows=4, cols=5)
    t.style = "Table Grid"
    t.cell(0, 0).merge(t.cell(1, 0)).text = "信息内容"  # vMerge
    t.cell(0, 1).merge(t.cell(0, 3)).text = "法人或其他组织"  # gridSpan
    t.cell(0, 4).merge(t.cell(1, 4)).text = "总计"
    c = t.cell(1, 1)
    c.text = "商业"
    c.add_paragraph("企业")  # two paragraphs in one cell
    c = t.cell(1, 2)
    c.text = "科研"
    c.paragraphs[0].add_run().add_break()  # a line break inside the cell
    c.paragraphs[0].add_run("机构")
    t.cell(1, 3).text = "其他"
    t.cell(2, 0).merge(t.cell(3, 0)).text = "三、本年度办理结果"
    for r, vals in ((2, "1 2 3 6"), (3, "4 5 6 15")):
        for k, v in enumerate(vals.split(), start=1):
            t.cell(r, k).text = v
    d.add_paragraph("二、主动公开政府信息情况")
    return d


def test_word_merges_give_the_html_grid():
    doc = extract_bytes(save(grid_docx()), "report.docx")
    assert doc.format == "docx" and doc.issues == []
    assert doc.tables[0].rows == GRID
    html = extract_bytes(GRID_HTML.encode())
    assert html.tables[0].rows == doc.tables[0].rows
    # body order kept
    kinds = ["T" if isinstance(b, Table) else b.text for b in doc.blocks]
    assert kinds == ["一、总体情况", "T", "二、主动公开政府信息情况"]


def test_grid_before_and_hmerge_xml():
    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    t.cell(0, 0).text, t.cell(0, 1).text, t.cell(0, 2).text = "a", "b", "c"
    t.cell(1, 1).text, t.cell(1, 2).text = "x", "y"
    # row 2: drop its first cell and declare gridBefore=1 instead
    tr = t.rows[1]._tr
    tr.remove(tr.tc_lst[0])
    trpr = tr.get_or_add_trPr()
    gb = OxmlElement("w:gridBefore")
    gb.set(qn("w:val"), "1")
    trpr.append(gb)
    rows = extract_bytes(save(d)).tables[0].rows
    assert rows == [["a", "b", "c"], ["", "x", "y"]]


def test_numbering_paragraph_breaks_and_tracked_changes():
    d = docx.Document()
    d.add_paragraph("第一项", style="List Number")
    d.add_paragraph("第二项", style="List Number")
    p = d.add_paragraph("第一行")
    p.add_run().add_break()
    p.add_run("第二行")
    p = d.add_paragraph("保留")
    dele = OxmlElement("w:del")
    r = OxmlElement("w:r")
    dt = OxmlElement("w:delText")
    dt.text = "删除的字"
    r.append(dt)
    dele.append(r)
    p._p.append(dele)
    texts = [b.text for b in extract_bytes(save(d)).paragraphs]
    assert texts == ["1.第一项", "2.第二项", "第一行", "第二行", "保留"]


@pytest.mark.parametrize("n,fmt,out", [
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (11, "chineseCountingThousand", "十一"),
    (21, "chineseCounting", "二十一"), (105, "chineseCounting", "一百零五"), (3, "ideographTraditional", "丙"),
    (4, "upperRoman", "IV"), (28, "lowerLetter", "bb"), (2, "decimalEnclosedCircle", "②"), (7, "decimal", "7"),
])
def test_number_formats(n, fmt, out):
    assert format_number(n, fmt) == out


def test_chinese_auto_numbering_rendered():
    d = docx.Document()
    part = d.part.numbering_part
    root = part.element
    absn = OxmlElement("w:abstractNum")
    absn.set(qn("w:abstractNumId"), "90")
    lvl = OxmlElement("w:lvl")
    lvl.set(qn("w:ilvl"), "0")
    for tag, val in (("w:start", "1"), ("w:numFmt", "chineseCounting"), ("w:lvlText", "%1、"), ("w:suff", "nothing")):
        e = OxmlElement(tag)
        e.set(qn("w:val"), val)
        lvl.append(e)
    absn.append(lvl)
    root.insert(0, absn)
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), "90")
    a = OxmlElement("w:abstractNumId")
    a.set(qn("w:val"), "90")
    num.append(a)
    root.append(num)
    for text in ("总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况"):
        p = d.add_paragraph(text)
        ppr = p._p.get_or_add_pPr()
        numpr = OxmlElement("w:numPr")
        for tag, val in (("w:ilvl", "0"), ("w:numId", "90")):
            e = OxmlElement(tag)
            e.set(qn("w:val"), val)
            numpr.append(e)
        ppr.append(numpr)
    texts = [b.text for b in extract_bytes(save(d)).paragraphs]
    assert texts == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]


def test_nested_and_layout_tables():
    d = docx.Document()
    frame = d.add_table(rows=2, cols=1)  # one column: a layout frame
    frame.cell(0, 0).text = "一、总体情况"
    inner = frame.cell(1, 0).add_table(rows=2, cols=2)
    for (r, c), v in {(0, 0): "甲", (0, 1): "乙", (1, 0): "1", (1, 1): "2"}.items():
        inner.cell(r, c).text = v
    data = d.add_table(rows=2, cols=2)
    data.cell(0, 0).text, data.cell(1, 0).text, data.cell(1, 1).text = "项目", "规章", "0"
    data.cell(0, 1).text = "数量"
    data.cell(0, 1).add_table(rows=1, cols=1).cell(0, 0).text = "注"  # small nested table: flattened
    doc = extract_bytes(save(d))
    assert [b.text for b in doc.paragraphs] == ["一、总体情况"]
    assert [t.rows for t in doc.tables] == [[["甲", "乙"], ["1", "2"]], [["项目", "数量注"], ["规章", "0"]]]
    assert [t.index for t in doc.tables] == [0, 1]


def test_sdt_and_textbox_content_read():
    d = docx.Document()
    body = d.element.body
    sdt = OxmlElement("w:sdt")
    content = OxmlElement("w:sdtContent")
    p = OxmlElement("w:p")
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "内容控件里的段落"
    r.append(t)
    p.append(r)
    content.append(p)
    sdt.append(content)
    body.insert(0, sdt)
    assert extract_bytes(save(d)).paragraphs[0].text == "内容控件里的段落"


# --------------------------------------------------------------------------- bad packages

def make_zip(members: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_docx_zip_bomb_by_ratio():
    body = b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>' + b" " * (40 * 1024 * 1024) + b"</w:body></w:document>"
    bomb = make_zip({"[Content_Types].xml": "<Types/>", "word/document.xml": body})
    assert len(bomb) < 200_000
    t0 = time.monotonic()
    doc = extract_bytes(bomb, "bomb.docx")
    assert time.monotonic() - t0 < 2
    assert doc.format == "docx" and doc.blocks == []
    assert [i.rule for i in doc.issues] == ["zip_bomb"]


def test_docx_zip_bomb_by_declared_size():
    good = save(grid_docx())
    doc = extract_bytes(good, limits=Limits(max_member_bytes=1000))
    assert [i.rule for i in doc.issues] == ["zip_bomb"]
    doc = extract_bytes(good, limits=Limits(max_zip_members=3))
    assert [i.rule for i in doc.issues] == ["zip_bomb"]
    # a directory that lies: document.xml claims 3 GB
    data = bytearray(good)
    cd = data.rfind(b"PK\x01\x02", 0)
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        name_len = int.from_bytes(data[pos + 28:pos + 30], "little")
        if data[pos + 46:pos + 46 + name_len] == b"word/document.xml":
            data[pos + 24:pos + 28] = (3 * 1024 ** 3).to_bytes(4, "little")
        pos = data.find(b"PK\x01\x02", pos + 4)
    assert cd > 0
    doc = extract_bytes(bytes(data))
    assert [i.rule for i in doc.issues] == ["zip_bomb"]


def test_corrupt_docx():
    good = save(grid_docx())
    for bad in (good[: len(good) // 2], make_zip({"word/other.xml": "<x/>"}),
                make_zip({"word/document.xml": "<w:document><unclosed>"})):
        doc = extract_bytes(bad, "x.docx")
        assert doc.blocks == []
        assert [i.rule for i in doc.issues if i.level == "error"] == ["corrupt_docx"], doc.issues


def test_billion_laughs_not_expanded():
    xml = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
           '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
           '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           '<w:p><w:r><w:t>&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;</w:t></w:r></w:p></w:body></w:document>')
    t0 = time.monotonic()
    doc = extract_bytes(make_zip({"word/document.xml": xml}))
    assert time.monotonic() - t0 < 2
    assert len(doc.text()) < 1000


def test_alt_chunk_html_part_is_read():
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    d = docx.Document()
    d.add_paragraph("前言")
    html = "<html><body><p>一、总体情况</p>" + GRID_HTML.split("<body>")[1]
    part = Part(PackURI("/word/afchunk.htm"), "text/html", html.encode(), d.part.package)
    rid = d.part.relate_to(part, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk")
    chunk = OxmlElement("w:altChunk")
    chunk.set(qn("r:id"), rid)
    d.element.body.insert(1, chunk)
    d.add_paragraph("结尾")
    doc = extract_bytes(save(d))
    assert [p.text for p in doc.paragraphs][:2] == ["前言", "一、总体情况"] and doc.paragraphs[-1].text == "结尾"
    assert doc.tables[0].rows == GRID
