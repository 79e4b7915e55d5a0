"""HTML extraction: body finding per CMS family, grids, cell text, metas, encodings, bad pages."""
import json
import time
from pathlib import Path

import pytest

from normalize.document import Paragraph
from normalize.extract import Limits, extract_bytes, extract_path

REPO = Path(__file__).resolve().parents[2]
DEV = REPO / "ogi" / "portal" / "documents" / "dev-reports"
GOLD = REPO / "tests" / "golden" / "dev-reports" / "pingtan_xzspj_2023.json"


def page(body: str, head: str = "<title>测试页面</title>", charset: str = "utf-8") -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}">{head}</head><body>
<div class="header"><ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>
{body}
<div class="footer">版权所有：某某人民政府 网站标识码：1234567890 京ICP备00000000号</div>
<script>var x = "脚本文字不应出现";</script>
</body></html>"""


def blocks_summary(doc):
    return [("P", b.text) if isinstance(b, Paragraph) else ("T", b.rows) for b in doc.blocks]


# --------------------------------------------------------------------------- the real pingtan page

@pytest.fixture(scope="module")
def pingtan():
    return extract_path(DEV / "pingtan_xzspj_2023.html")


def test_pingtan_body_found_and_clean(pingtan):
    doc = pingtan
    assert doc.format == "html"
    assert [i for i in doc.issues if i.level == "error"] == []
    assert doc.meta["body"].startswith("cms:")  # <div class=TRS_Editor> (unquoted class)
    text = doc.text()
    assert text.startswith("根据《中华人民共和国政府信息公开条例》")
    for heading in ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]:
        assert heading in [p.text for p in doc.paragraphs]
    # portal chrome stays out
    for junk in ["网站标识码", "闽ICP备", "友情链接", "版权所有", "扫一扫在手机上查看当前页面", "全真版", "相关链接", "省人大", "福建日报"]:
        assert junk not in text, junk
    # entities unescaped, characters kept
    assert "《国务院办公厅关于印发<政府信息公开信息处理费管理办法>的通知》" in text
    assert "&lt;" not in text and "&gt;" not in text


def test_pingtan_metas(pingtan):
    m = pingtan.meta
    assert m["title"] == "平潭综合实验区行政审批局2023年政府信息公开工作年度报告_政府信息公开年报_平潭综合实验区党工委管委会"
    assert m["ArticleTitle"] == "平潭综合实验区行政审批局2023年政府信息公开工作年度报告"
    assert m["PubDate"] == "2024-01-30 15:01"
    assert m["published"] == "时间：2024-01-30 15:01"
    assert "ContentSource" not in m  # present but empty on this page
    assert m["encoding"] == "utf-8"


def test_pingtan_tables_match_gold(pingtan):
    gold = json.loads(GOLD.read_text("utf-8"))
    t2, t3, t4 = pingtan.tables
    assert [t.index for t in pingtan.tables] == [0, 1, 2]
    # table 2: merged title rows repeat across the grid
    assert t2.rows[0] == ["第二十条第（一）项"] * 4
    assert t2.rows[3] == ["行政规范性文件", "5", "4", "16"]
    # table 3: three-row header; <p>商业</p><p>企业</p> joined without a separator
    assert t3.rows[2][3:] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert t3.rows[0][3:] == ["申请人情况"] * 7
    assert t3.rows[1][4:9] == ["法人或其他组织"] * 5
    assert t3.rows[1][3] == t3.rows[2][3] == "自然人"  # rowspan=2
    data = t3.rows[3:]
    assert len(data) == len(gold["table3"]["rows"]) == 25
    for row, g in zip(data, gold["table3"]["rows"]):
        assert [int(v) for v in row[3:]] == g["values"], g["label"]
    assert data[4][:3] == ["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"]
    # table 4: three-level header, one data row of 15 cells
    assert t4.rows[2][:2] == ["结果维持", "结果纠正"]  # <p>结果</p><p>纠正</p>
    assert [int(v) for v in t4.rows[-1]] == gold["table4"]["values"]


def test_listing_page_is_not_a_report():
    doc = extract_path(DEV / "pingtan_zfxxgknb_list.html")
    assert doc.blocks == []
    assert [i.rule for i in doc.issues if i.level == "error"] == ["no_text"]
    assert doc.meta["title"].startswith("政府信息公开年报")


# --------------------------------------------------------------------------- grids and cells

GRID_HTML = """
<table border=1>
 <tr><td rowspan="2">信息内容</td><td colspan="3">法人或其他组织</td><td rowspan=2>总计</td></tr>
 <tr><td><p>商业</p><p>企业</p></td><td>科研<br>机构</td><td>其他</td></tr>
 <tr><td rowspan="2">三、本年度办理结果</td><td>1</td><td>&nbsp;2&#12288;</td><td>3</td><td>6</td></tr>
 <tr><td>4</td><td>5</td><td>6</td><td>15</td></tr>
</table>"""
GRID = [
    ["信息内容", "法人或其他组织", "法人或其他组织", "法人或其他组织", "总计"],
    ["信息内容", "商业企业", "科研机构", "其他", "总计"],
    ["三、本年度办理结果", "1", "2", "3", "6"],
    ["三、本年度办理结果", "4", "5", "6", "15"],
]


def test_rowspan_colspan_grid():
    doc = extract_bytes(page(f'<div class="TRS_Editor"><p>二、主动公开政府信息情况</p>{GRID_HTML}<p>{"正文" * 60}</p></div>').encode())
    assert doc.tables[0].rows == GRID


def test_hostile_spans_are_bounded():
    rows = "".join(f'<tr><td rowspan="99999999">a{i}</td><td colspan="abc">b</td><td colspan="0">c</td><td rowspan="-3">d</td></tr>' for i in range(50))
    big = f'<table><tr><td colspan="100000">x</td><td rowspan=65534 colspan=65534>y</td></tr>{rows}</table>'
    t0 = time.monotonic()
    doc = extract_bytes(page(f'<div id="zoom"><p>{"正文" * 60}</p>{big}</div>').encode(), limits=Limits(max_table_cells=20_000))
    assert time.monotonic() - t0 < 5
    assert any(i.rule == "table_too_large" for i in doc.issues) or doc.tables
    assert [i for i in doc.issues if i.level == "error"] == []


def test_cell_text_joins_cjk_fragments_only():
    html = page('<div class="TRS_Editor"><p>' + "正文" * 60 + '</p><table>'
                '<tr><td><p>商业</p><p>企业</p></td><td><p>22</p><p>（其中修订16件）</p></td></tr>'
                '<tr><td>本<br>年<br>度</td><td><span>Total</span>\n<span>count</span></td></tr>'
                '<tr><td>第二十条　第（一）项</td><td> &amp; x&nbsp;&nbsp;y </td></tr></table></div>')
    rows = extract_bytes(html.encode()).tables[0].rows
    assert rows == [["商业企业", "22 （其中修订16件）"], ["本年度", "Total count"], ["第二十条 第（一）项", "& x y"]]


def test_nested_tables():
    inner = "<table><tr><td>甲</td><td>乙</td></tr><tr><td>1</td><td>2</td></tr></table>"
    layout = f'<table><tr><td><p>{"正文" * 60}</p></td></tr><tr><td>{inner}</td></tr></table>'
    doc = extract_bytes(page(f'<div class="TRS_Editor">{layout}</div>').encode())
    assert [b for b in blocks_summary(doc) if b[0] == "T"] == [("T", [["甲", "乙"], ["1", "2"]])]
    small = "<table><tr><td>注</td></tr></table>"
    data = f'<table><tr><td>项目</td><td>数量{small}</td></tr><tr><td>规章</td><td>0</td></tr></table>'
    doc = extract_bytes(page(f'<div class="TRS_Editor"><p>{"正文" * 60}</p>{data}</div>').encode())
    assert doc.tables[0].rows == [["项目", "数量注"], ["规章", "0"]]


# --------------------------------------------------------------------------- CMS families

REPORT = "<p>一、总体情况</p><p>" + "本机关认真贯彻落实政府信息公开条例。" * 10 + "</p>"


def test_hanweb_markers_and_zoom():
    body = f'<div id="zoom"><p>分享到：</p><meta name="ContentStart">{REPORT}<meta name="ContentEnd"><p>【打印本页】</p></div>'
    doc = extract_bytes(page(body).encode())
    assert doc.meta["body"] == "content_markers"
    assert doc.paragraphs[0].text == "一、总体情况"
    assert "打印本页" not in doc.text() and "分享到" not in doc.text()
    doc = extract_bytes(page(f'<div id="Zoom">{REPORT}</div><div class="side">{"相关文章" * 50}</div>').encode())
    assert doc.meta["body"].startswith("cms:") and doc.paragraphs[0].text == "一、总体情况"
    assert "相关文章" not in doc.text()


def test_ucap_and_custom_unionstyle():
    doc = extract_bytes(page(f'<div id="UCAP-CONTENT"><div class="Custom_UnionStyle">{REPORT}</div></div>').encode())
    assert doc.meta["body"] == "cms:UCAP-CONTENT"
    assert doc.paragraphs[0].text == "一、总体情况"


def test_gkmlpt_json_body():
    detail = {"id": 1, "title": "某区2023年政府信息公开工作年度报告", "publisher": "某区人民政府办公室",
              "date": 1706598060, "content": REPORT + GRID_HTML.replace("\n", ""),
              "files": [{"name": "年报.pdf", "url": "/attachment/0/1/1.pdf"}]}
    script = "<script>window._CONFIG = {};\nwindow._CONFIG.DETAIL = " + json.dumps(detail, ensure_ascii=False) + ";\n</script>"
    doc = extract_bytes(page(f'<div id="app"></div>{script}').encode(), "post_1.html")
    assert doc.meta["body"] == "gkmlpt"
    assert doc.meta["ArticleTitle"] == detail["title"]
    assert doc.meta["ContentSource"] == "某区人民政府办公室"
    assert doc.meta["PubDate"].startswith("2024-01-30")
    assert doc.meta["attachments"] == [{"href": "/attachment/0/1/1.pdf", "text": "年报.pdf"}]
    assert doc.tables[0].rows == GRID


def test_fallback_drops_chrome():
    body = f"""<div class="main"><div class="left-menu"><a href="/a">机构概况</a><a href="/b">政策文件</a></div>
    <div class="article"><h1>某局2023年政府信息公开工作年度报告</h1>
    <div class="info">发布日期：2024-01-15　来源：某局</div>
    <div class="con">{REPORT}{GRID_HTML}<p>二、主动公开政府信息情况</p></div></div>
    <div class="share">分享到：微信 微博</div></div>"""
    doc = extract_bytes(page(body).encode())
    assert doc.meta["body"] == "fallback"
    assert doc.meta["published"] == "发布日期：2024-01-15"
    text = doc.text()
    assert "一、总体情况" in text and doc.tables[0].rows == GRID
    for junk in ["机构概况", "分享到", "网站标识码", "脚本文字", "当前位置"]:
        assert junk not in text


def test_page_without_report_text():
    # the title only, and the report linked as an attachment (real case: 平潭公安局 2020)
    body = '<div class="TRS_Editor"><p>某局2020年政府信息公开工作年度报告</p><p><a href="./P020240708585830864986.doc">年报.doc</a></p></div>'
    doc = extract_bytes(page(body).encode())
    assert doc.blocks == [] and [i.rule for i in doc.issues] == ["no_text"]
    assert doc.meta["attachments"][0]["href"].endswith(".doc")
    doc = extract_bytes(page("<div class='list'>" + "".join(f"<li><a href='/{i}'>新闻{i}</a></li>" for i in range(50)) + "</div>").encode())
    assert doc.blocks == [] and [i.rule for i in doc.issues] == ["no_text"]


def test_image_only_report_needs_ocr():
    doc = extract_bytes(page('<div class="TRS_Editor"><p><img src="./W0201.jpg"></p><p><img src="./W0202.jpg"></p></div>').encode())
    assert doc.needs_ocr and [i.rule for i in doc.issues] == ["needs_ocr"]
    assert doc.meta["images"] == ["./W0201.jpg", "./W0202.jpg"]


def test_hidden_and_script_content_skipped():
    doc = extract_bytes(page(f'<div class="TRS_Editor">{REPORT}<div style="display: none">隐藏文字</div><style>.a{{}}</style></div>').encode())
    assert "隐藏文字" not in doc.text()


# --------------------------------------------------------------------------- encodings

def test_gbk_page_with_gb2312_declaration():
    # 镕 and 堃 are GBK but not GB2312: a gb2312 decoder would fail on them
    html = page(f'<div class="TRS_Editor"><p>朱镕基 王堃</p>{REPORT}</div>', charset="gb2312")
    doc = extract_bytes(html.encode("gbk"))
    assert doc.meta["encoding"] == "gb18030"
    assert "朱镕基 王堃" in doc.text() and "一、总体情况" in doc.text()
    assert doc.meta["title"] == "测试页面"


def test_http_equiv_and_hint():
    head = '<meta http-equiv="Content-Type" content="text/html; charset=GBK"><title>标题</title>'
    html = f'<html><head>{head}</head><body><div id="zoom">{REPORT}</div></body></html>'
    assert "一、总体情况" in extract_bytes(html.encode("gb18030")).text()
    # a wrong declaration: the per-site hint wins
    wrong = html.replace("charset=GBK", "charset=utf-8").encode("gb18030")
    doc = extract_bytes(wrong, encoding="gbk")
    assert doc.meta["encoding"] == "gb18030" and "一、总体情况" in doc.text()
    # no hint: UTF-8 fails strictly, GB18030 is tried
    doc = extract_bytes(wrong)
    assert "一、总体情况" in doc.text()
    assert any(i.rule == "encoding_mismatch" for i in doc.issues)


def test_utf8_bom_and_xml_declaration():
    html = '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body><div class="TRS_Editor">' + REPORT + "</div></body></html>"
    doc = extract_bytes(b"\xef\xbb\xbf" + html.encode())
    assert doc.paragraphs[0].text == "一、总体情况"


def test_mhtml_word_web_page():
    html = f'<html><head><meta charset="gb2312"></head><body><div class=WordSection1>{REPORT}{GRID_HTML}</div></body></html>'
    import quopri

    qp = quopri.encodestring(html.encode("gbk")).decode("ascii")
    mht = ("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"----=_NextPart_01\"\r\n\r\n"
           "------=_NextPart_01\r\nContent-Location: file:///C:/x.htm\r\nContent-Transfer-Encoding: quoted-printable\r\n"
           "Content-Type: text/html; charset=\"gb2312\"\r\n\r\n" + qp + "\r\n------=_NextPart_01--\r\n")
    doc = extract_bytes(mht.encode("ascii"), "report.doc")
    assert doc.format == "mhtml"
    assert [i.rule for i in doc.issues] == ["extension_mismatch"]
    assert doc.tables[0].rows == GRID and "一、总体情况" in doc.text()


def test_utf8_page_with_one_bad_byte_stays_utf8():
    html = page(f'<div class="TRS_Editor">{REPORT}</div>').encode()
    doc = extract_bytes(html[:200] + b"\xff" + html[200:])
    assert doc.meta["encoding"] == "utf-8" and "一、总体情况" in doc.text()
    assert [i.rule for i in doc.issues] == ["decode_errors"]


def test_word_html_served_as_doc_is_read_whole():
    html = ('<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">'
            '<head><meta http-equiv=Content-Type content="text/html; charset=gb2312"><meta name=Generator content="Microsoft Word 15">'
            '</head><body lang=ZH-CN><div class=WordSection1><p class=MsoNormal>一、总体情况</p>'
            '<p class=MsoNormal>共收到申请<span lang=EN-US>7</span>件。</p></div></body></html>')
    doc = extract_bytes(html.encode("gbk"), "P020240101.doc")
    assert doc.format == "html" and doc.meta["body"] == "whole_page"
    assert [p.text for p in doc.paragraphs] == ["一、总体情况", "共收到申请7件。"]
    assert [i.rule for i in doc.issues] == ["extension_mismatch"]
