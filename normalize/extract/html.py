"""HTML report pages (government portals) → Document.

Decoding: BOM, then the caller's `encoding` hint (per-site override), then the page's own
`<meta charset>` / `http-equiv` declaration, then UTF-8, then GB18030. GBK, GB2312, CP936 and
friends are always decoded as GB18030 (a superset; GB2312 pages routinely contain GBK characters).
A declared Latin-1/ASCII is distrusted on pages whose bytes are valid UTF-8 or GB18030. A page with a
few bad bytes keeps its encoding (replacement characters, warning 'decode_errors') instead of being
decoded as GB18030 mojibake; a declaration the bytes contradict gives 'encoding_mismatch'.

Word's own HTML (Word/WPS "save as web page", xmlns:w=urn:schemas-microsoft-com:office:word, a
Generator meta naming Word or WPS; often served as .doc) and MIME web pages (.mht) are read whole: all
of <body> is the document. For portal pages, finding the report body, first match wins:
1. gkmlpt (Guangdong 政府信息公开目录平台): HTML in the "content" field of the JSON object assigned to
   `window._CONFIG.DETAIL`; its title/date/source fields fill in the metas.
2. Hanweb markers: the part of the page between `<meta name="ContentStart">` and
   `<meta name="ContentEnd">` (or the same words in comments).
3. CMS containers: TRS `.TRS_Editor` / `.trs_editor_view` / `.Custom_UnionStyle`, Hanweb `#zoom`,
   Ucap `#UCAP-CONTENT` (class/id matched case-insensitively; unquoted attributes are fine). The
   outermost matches are taken; several disjoint ones (each with at least a tenth of the largest
   one's text) are read in page order.
4. Fallback: portal chrome is removed (script/style/nav/header/footer/forms and elements whose
   class or id says menu, nav, footer, breadcrumb, share, search, … when they are small or mostly
   links), then the element that directly holds the most non-link text in paragraph-like children
   wins. It must hold at least 200 characters and be less than half links. (Not trafilatura: we need
   the body *element*, to expand its tables ourselves; trafilatura returns text and loses spans.)
A body with less than 100 characters of text is no report: error 'no_text' (or 'needs_ocr' when the
body shows images instead of text). Links to attachments in the body go to meta['attachments'].

Blocks: block elements (p, div, h1–h6, li, …) and <br> end paragraphs; inline elements join.
Hidden elements (style display:none) are skipped. Tables become full grids (rowspan/colspan
expanded, rowspans clipped to the table, spans capped by Limits.max_span, grids by
Limits.max_table_cells). The pieces of one cell (its <p>s, <br> lines) are joined with no separator
between CJK fragments (`<p>商业</p><p>企业</p>` → 商业企业), else with a space.

Nested tables (our choice): a table whose cells hold a real nested table (≥ 2 rows and ≥ 2 columns),
and any table with a single column, is a layout table: its cells are read as ordinary content, so the
nested tables become tables of their own. Small nested tables inside a data table are flattened into
the text of their cell.

Metas: meta['title'] (<title>), and when non-empty ArticleTitle, PubDate, ContentSource (plus
SiteName, ColumnName, Url, KeyWords, Description), meta['published'] (a line such as
"发布时间：2024-01-30" or "时间：2024-01-30 15:01" found in the page), meta['encoding'],
meta['body'] (how the body was found).
"""
from __future__ import annotations

import email
import email.policy
import json
import re
from typing import Optional

import lxml.html
from lxml import etree

from ..document import DocIssue, Document, ExtractError, Paragraph, Table
from .cells import GridBuilder, clean_text, finish_grid, join_pieces, parse_span
from .limits import DEFAULT_LIMITS, Limits

# --------------------------------------------------------------------------- decoding

_GB = {"gbk", "gb2312", "gb_2312", "gb_2312-80", "gb-2312", "x-gbk", "cp936", "ms936", "windows-936",
       "euc-cn", "euccn", "x-euc-cn", "gb18030", "csgb2312", "iso-ir-58", "chinese"}
_LATIN = {"iso-8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "windows-1252", "cp1252", "iso8859-1"}
_META_CHARSET = re.compile(rb"""<meta[^>]{0,500}?charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)


def norm_encoding(name: Optional[str]) -> Optional[str]:
    if not name:
        return None
    n = name.strip().strip("\"'").lower().replace("_", "-") if name else None
    if n in _GB or n.replace("-", "") in {g.replace("-", "").replace("_", "") for g in _GB}:
        return "gb18030"
    if n in ("utf8", "utf-8", "unicode-1-1-utf-8", "x-unicode20utf8"):
        return "utf-8"
    if n in ("unicode", "utf-16"):
        return "utf-16"
    import codecs

    try:
        return codecs.lookup(n).name
    except LookupError:
        return None


def _bad_sequences(data: bytes, enc: str) -> int:
    try:
        data.decode(enc)
        return 0
    except UnicodeDecodeError:
        return data.decode(enc, errors="replace").count("\ufffd")
    except LookupError:
        return len(data) + 1


def decode_bytes(data: bytes, hint: Optional[str] = None, declared: Optional[str] = None):
    """Decode markup or text. Returns (text, encoding, issues).

    Order: BOM; the hint; a declared non-Latin charset; UTF-8; GB18030 (GBK/GB2312 always as GB18030).
    The first strict decode wins. When none is strict, a candidate with only a few bad sequences (at
    most 1 per 500 non-ASCII bytes: a truncated page, one stray byte) is used with replacement characters,
    before any later candidate: a UTF-8 page with one bad byte must not become GB18030 mojibake.
    """
    issues: list[DocIssue] = []
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc, issues
    h = norm_encoding(hint)
    d = norm_encoding(declared)
    latin = d in ("latin-1", "iso8859-1", "ascii", "cp1252") or (declared or "").lower() in _LATIN
    cands: list[str] = []
    for enc in ([h] if h else []) + ([d] if d and not latin else []) + ["utf-8", "gb18030"] + ([d] if d else []):
        if enc not in cands:
            cands.append(enc)
    nonascii = len(data.translate(None, bytes(range(128))))  # bytes >= 0x80
    tolerance = max(2, nonascii // 500)
    bad = {}
    for enc in cands:
        bad[enc] = _bad_sequences(data, enc)
        if bad[enc] == 0 or bad[enc] <= tolerance:
            break
    enc = next((e for e in cands if e in bad and bad[e] <= tolerance), None) or min(bad, key=bad.get)
    text = data.decode(enc, errors="replace")
    if bad[enc]:
        issues.append(DocIssue("decode_errors", f"{bad[enc]} byte sequence(s) are not valid {enc}; replaced", "warning"))
    if declared and d and not latin and enc != d and not h:
        issues.append(DocIssue("encoding_mismatch", f"declared {declared}, decoded as {enc}", "warning"))
    return text, enc, issues


# --------------------------------------------------------------------------- element helpers

_SKIP = {"script", "style", "noscript", "template", "head", "title", "meta", "link", "iframe", "object",
         "embed", "select", "option", "button", "input", "textarea", "svg", "canvas", "map", "frameset",
         "frame", "audio", "video", "base"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote",
          "pre", "center", "section", "article", "header", "footer", "main", "aside", "address", "figure",
          "figcaption", "form", "fieldset", "hr", "caption", "nav", "tr", "td", "th", "tbody", "thead",
          "tfoot", "body", "html", "legend", "details", "summary", "o:p"}
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_ATTACH_EXT = re.compile(r"\.(docx?|pdf|wps|xlsx?|et|ofd|zip|rar|7z|txt|rtf)(?:$|[?#])", re.I)


def _tag(el) -> Optional[str]:
    t = el.tag
    if not isinstance(t, str):
        return None  # comment, processing instruction, entity
    if "}" in t:
        t = t.rsplit("}", 1)[1]
    return t.lower()


def _hidden(el) -> bool:
    style = el.get("style")
    return bool(style and _HIDDEN.search(style)) or el.get("hidden") is not None


def _direct_rows(table) -> list:
    rows = []
    for ch in table:
        t = _tag(ch)
        if t == "tr":
            rows.append(ch)
        elif t in ("thead", "tbody", "tfoot"):
            rows.extend(r for r in ch if _tag(r) == "tr")
    return rows


def _cells(tr) -> list:
    return [c for c in tr if _tag(c) in ("td", "th")]


def _is_layout_table(table, rows) -> bool:
    if not rows:
        return True
    if all(len(_cells(r)) <= 1 for r in rows):
        return True  # one column: no grid worth keeping (1x1 "frames", title/body stacks)
    for inner in table.iterdescendants():
        if _tag(inner) == "table":
            irows = _direct_rows(inner)
            if len(irows) >= 2 and max((len(_cells(r)) for r in irows), default=0) >= 2:
                return True
    return False


# --------------------------------------------------------------------------- walker

class _Walker:
    """Turns an element tree into Paragraph/Table blocks in document order."""

    def __init__(self, limits: Limits, issues: list):
        self.limits = limits
        self.issues = issues
        self.blocks: list = []
        self.buf: list[str] = []

    def flush(self):
        if self.buf:
            text = clean_text("".join(self.buf))
            self.buf = []
            if text:
                self.blocks.append(Paragraph(text))

    def walk(self, el, depth: int = 0):
        tag = _tag(el)
        if tag is None or tag in _SKIP or _hidden(el):
            return
        if depth > self.limits.max_depth:
            self.buf.append(" ".join(el.itertext()))
            return
        if tag == "br":
            self.flush()
        elif tag == "table":
            self.flush()
            self.table(el, depth)
        elif tag in _BLOCK:
            self.flush()
            self.children(el, depth)
            self.flush()
        else:
            self.children(el, depth)

    def children(self, el, depth: int):
        if el.text:
            self.buf.append(el.text)
        for ch in el:
            self.walk(ch, depth + 1)
            if ch.tail:
                self.buf.append(ch.tail)

    def cell_text(self, cell, depth: int) -> str:
        sub = _Walker(self.limits, self.issues)
        sub.children(cell, depth + 1)
        sub.flush()
        pieces = []
        for b in sub.blocks:
            if isinstance(b, Paragraph):
                pieces.append(b.text)
            else:
                pieces.extend(join_pieces(r) for r in b.rows)
        return join_pieces(pieces)

    def table(self, el, depth: int):
        rows = _direct_rows(el)
        for ch in el:
            if _tag(ch) == "caption":
                self.walk(ch, depth + 1)
        if _is_layout_table(el, rows):
            for tr in rows:
                for cell in _cells(tr):
                    self.flush()
                    self.children(cell, depth + 2)
                    self.flush()
            return
        try:
            grid = GridBuilder(self.limits)
            n = len(rows)
            for tr in rows:
                cells = []
                for cell in _cells(tr):
                    if _hidden(cell):
                        continue
                    cells.append((self.cell_text(cell, depth + 2), parse_span(cell.get("rowspan"), self.limits),
                                  parse_span(cell.get("colspan"), self.limits)))
                grid.add_row(cells, nrows_total=n)
            grid_rows, _ = finish_grid(grid.spanless_grid())
        except ExtractError as e:
            self.issues.append(DocIssue(e.rule, e.message, "warning"))
            return
        if not grid_rows:
            return
        if len(grid_rows[0]) == 1:  # a single column survived: plain lines
            for r in grid_rows:
                self.blocks.append(Paragraph(r[0]))
            return
        self.blocks.append(Table(rows=grid_rows))


def blocks_from_element(el, limits: Limits = DEFAULT_LIMITS, issues: Optional[list] = None) -> list:
    w = _Walker(limits, issues if issues is not None else [])
    w.walk(el)
    w.flush()
    return w.blocks


# --------------------------------------------------------------------------- metas

_META_NAMES = ["ArticleTitle", "PubDate", "ContentSource", "SiteName", "ColumnName", "Url", "KeyWords", "Description"]
_PUB_RE = re.compile(
    r"(发布时间|发布日期|公开日期|发文日期|(?<![成印生])时间|(?<![成印生发])日期)\s*[:：]\s*"
    r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?)"
)


def _metas(root) -> dict:
    meta: dict = {}
    title = root.find(".//title")
    if title is not None:
        t = clean_text(title.text_content())
        if t:
            meta["title"] = t
    wanted = {n.lower(): n for n in _META_NAMES}
    for m in root.iter("meta"):
        name = (m.get("name") or "").strip().lower()
        if name in wanted and wanted[name] not in meta:
            content = clean_text(m.get("content"))
            if content:
                meta[wanted[name]] = content
    return meta


def _published(root) -> Optional[str]:
    best = None
    for el in root.iter():
        tag = _tag(el)
        if tag is None or tag in _SKIP:
            continue
        parent = el.getparent()
        if parent is not None and _tag(parent) in _SKIP:
            continue
        for s in (el.text, el.tail):
            if not s or ("时间" not in s and "日期" not in s):
                continue
            for m in _PUB_RE.finditer(clean_text(s)):
                date = re.sub(r"\s+", " ", m.group(2)).strip()
                line = f"{m.group(1)}：{date}"
                if m.group(1).startswith(("发布", "公开", "发文")):
                    return line
                if best is None:
                    best = line
    return best


# --------------------------------------------------------------------------- body finding

_DETAIL_RE = re.compile(r"_CONFIG\.DETAIL\s*=\s*")
_MARK_START = re.compile(r"<meta\s+name\s*=\s*[\"']?ContentStart[\"']?[^>]*>|<!--\s*ContentStart\s*-->", re.I)
_MARK_END = re.compile(r"<meta\s+name\s*=\s*[\"']?ContentEnd[\"']?[^>]*>|<!--\s*ContentEnd\s*-->", re.I)
_CMS_CLASSES = {"trs_editor", "trs_editor_view", "custom_unionstyle"}
_CMS_IDS = {"zoom", "ucap-content"}


def _fragment(html_text: str):
    return lxml.html.fragment_fromstring(html_text, create_parent="div")


def _gkmlpt(text: str, meta: dict):
    m = _DETAIL_RE.search(text)
    if not m:
        return None
    start = text.find("{", m.end(), m.end() + 20)
    if start < 0:
        return None
    try:
        detail, _ = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return None
    if not isinstance(detail, dict) or not isinstance(detail.get("content"), str):
        return None
    for key, name in (("title", "ArticleTitle"), ("publisher", "ContentSource"), ("source", "ContentSource"),
                      ("identifier", "identifier"), ("document_number", "document_number")):
        v = detail.get(key)
        if isinstance(v, str) and v.strip() and name not in meta:
            meta[name] = clean_text(v)
    for key in ("publish_time", "display_publish_time", "date", "created_at"):
        v = detail.get(key)
        if v and "PubDate" not in meta:
            if isinstance(v, (int, float)) and v > 10**8:
                import datetime

                v = datetime.datetime.fromtimestamp(v / (1000 if v > 10**11 else 1), datetime.timezone(
                    datetime.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
            meta["PubDate"] = clean_text(str(v))
    files = detail.get("files") or detail.get("attachment") or []
    if isinstance(files, list):
        atts = []
        for f in files[:200]:
            if isinstance(f, dict):
                href = f.get("url") or f.get("href") or f.get("file_url")
                if isinstance(href, str):
                    atts.append({"href": href, "text": clean_text(str(f.get("name") or f.get("title") or ""))})
        if atts:
            meta["attachments"] = atts
    return _fragment(detail["content"] or "<p></p>")


def _cms_containers(root) -> list:
    found = []
    for el in root.iter():
        if _tag(el) is None:
            continue
        cls = el.get("class")
        idv = el.get("id")
        if (cls and _CMS_CLASSES.intersection(c.lower() for c in cls.split())) or (idv and idv.strip().lower() in _CMS_IDS):
            found.append(el)
    if not found:
        return []
    fs = set(found)
    outer = [el for el in found if not any(a in fs for a in el.iterancestors())]
    sizes = [len("".join(el.itertext()).strip()) for el in outer]
    biggest = max(sizes)
    return [el for el, n in zip(outer, sizes) if n >= 0.1 * biggest and n > 0] or outer[:1]


_JUNK_WORDS = re.compile(
    r"nav|menu|footer|foot|header|top-?bar|breadcrumb|crumb|position|location|sidebar|side-?bar|share|copyright|"
    r"banner|search|login|toolbar|print|qrcode|ewm|related|xglj|friend|links?\b|dlink|bottom|tool|fenxiang|wza",
    re.I,
)
_JUNK_TAGS = {"nav", "header", "footer", "form", "aside", "select", "button"}
_PARA_LIKE = {"p", "table", "h1", "h2", "h3", "h4", "h5", "h6", "span", "font", "strong", "b", "center",
              "blockquote", "ul", "ol", "pre", "section", "em", "i", "u", "o:p", "br"}


def _text_stats(root):
    """Post-order text length and link-text length of every element (excluding skipped)."""
    total, links, blocky = {}, {}, {}
    for el in reversed(list(root.iter())):
        tag = _tag(el)
        if tag is None or tag in _SKIP:
            total[el] = 0
            links[el] = 0
            blocky[el] = False
            continue
        t = len((el.text or "").strip())
        lk = 0
        bl = False
        for ch in el:
            t += total.get(ch, 0) + len((ch.tail or "").strip())
            lk += links.get(ch, 0)
            bl = bl or blocky.get(ch, False) or _tag(ch) in ("div", "table")
        if tag == "a":
            lk = t
        total[el], links[el], blocky[el] = t, lk, bl
    return total, links, blocky


def _fallback_body(root):
    # 1. remove chrome
    total, links, _ = _text_stats(root)
    doomed = []
    for el in root.iter():
        tag = _tag(el)
        if tag is None:
            continue
        if tag in _JUNK_TAGS:
            doomed.append(el)
            continue
        key = f"{el.get('class') or ''} {el.get('id') or ''}"
        if key.strip() and _JUNK_WORDS.search(key):
            t = total.get(el, 0)
            if t < 500 or links.get(el, 0) > 0.3 * max(t, 1):
                doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the tail text
    total, links, blocky = _text_stats(root)
    best, best_score = None, 0
    for el in root.iter():
        tag = _tag(el)
        if tag not in ("div", "td", "article", "section", "main", "body", "center", "span", "font", "form"):
            continue
        score = len((el.text or "").strip())
        for ch in el:
            ct = _tag(ch)
            if ct in _PARA_LIKE or (ct == "div" and not blocky.get(ch)):
                score += total.get(ch, 0) - links.get(ch, 0)
            score += len((ch.tail or "").strip())
        if score > best_score:
            best, best_score = el, score
    if best is None or best_score < 200:
        return None
    if links.get(best, 0) > 0.5 * max(total.get(best, 1), 1):
        return None
    return best


# --------------------------------------------------------------------------- entry points

MIN_REPORT_CHARS = 100
_WORD_HTML = re.compile(r"urn:schemas-microsoft-com:office:word|<meta[^>]+Generator[^>]+(?:Microsoft Word|WPS)|KSOProductBuildVer", re.I)


def extract_html(data: bytes, *, encoding: Optional[str] = None, limits: Limits = DEFAULT_LIMITS,
                 text: Optional[str] = None, whole_page: bool = False) -> Document:
    """A portal page (see module doc). whole_page=True reads all of <body> as the document (Word's own
    HTML: MHT "web pages" and altChunk parts of a DOCX), with no body finding and no minimum length."""
    doc = Document(format="html")
    if text is None:
        m = _META_CHARSET.search(data[:8192])
        declared = m.group(1).decode("ascii", "replace") if m else None
        text, enc, issues = decode_bytes(data, encoding, declared)
        doc.issues.extend(issues)
        doc.meta["encoding"] = enc
    text = text.replace("\x00", "")
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as e:
        doc.issues.append(DocIssue("no_text", f"page cannot be parsed as HTML: {e}"))
        return doc
    if not whole_page and _WORD_HTML.search(text[:20000]):
        whole_page = True  # Word/WPS "save as web page" (often served as .doc): the whole body is the report
    doc.meta.update(_metas(root))
    pub = _published(root)
    if pub:
        doc.meta["published"] = pub

    bodies, how = [], None
    gk = None if whole_page else _gkmlpt(text, doc.meta)
    if whole_page:
        body = root.find("body")
        bodies, how = [body if body is not None else root], "whole_page"
    if gk is not None:
        bodies, how = [gk], "gkmlpt"
    if not bodies:
        s, e = _MARK_START.search(text), _MARK_END.search(text)
        if s and e and e.start() > s.end():
            try:
                bodies, how = [_fragment(text[s.end(): e.start()])], "content_markers"
            except (etree.ParserError, ValueError):
                pass
    if not bodies:
        found = _cms_containers(root)
        if found:
            bodies = found
            how = "cms:" + ",".join(sorted({(el.get("id") or el.get("class") or "").strip() for el in found}))
    if not bodies:
        fb = _fallback_body(root)
        if fb is not None:
            bodies, how = [fb], "fallback"
    doc.meta["body"] = how or "none"

    blocks, images, atts = [], [], list(doc.meta.get("attachments", []))
    for body in bodies:
        blocks.extend(blocks_from_element(body, limits, doc.issues))
        for img in body.iter("img"):
            if img.get("src"):
                images.append(img.get("src"))
        for a in body.iter("a"):
            href = a.get("href")
            if href and _ATTACH_EXT.search(href):
                atts.append({"href": href, "text": clean_text(a.text_content())})
    if images:
        doc.meta["images"] = images[:500]
    if atts:
        doc.meta["attachments"] = atts[:500]
    nchars = sum(len(b.text) if isinstance(b, Paragraph) else sum(len(c) for r in b.rows for c in r) for b in blocks)
    if nchars < (1 if whole_page else MIN_REPORT_CHARS):
        if images:
            doc.needs_ocr = True
            doc.blocks = blocks
            doc.issues.append(DocIssue("needs_ocr", f"the page body shows {len(images)} image(s) and almost no text", "warning"))
        else:
            where = "no report body found" if not bodies else f"the report body ({how}) holds only {nchars} characters"
            if atts:
                where += f"; it links {len(atts)} attachment(s)"
            doc.issues.append(DocIssue("no_text", where))
        return doc
    doc.blocks = blocks
    for i, t in enumerate(doc.tables):
        t.index = i
    return doc


def extract_mhtml(data: bytes, *, encoding: Optional[str] = None, limits: Limits = DEFAULT_LIMITS) -> Document:
    """MIME 'single file web page' (Word 另存为网页 .mht, often served as .doc): read its HTML part."""
    try:
        msg = email.message_from_bytes(data, policy=email.policy.compat32)
        part_html = None
        for part in msg.walk():
            if part.get_content_type() == "text/html":
                part_html = part
                break
        if part_html is None:
            raise ValueError("no text/html part")
        payload = part_html.get_payload(decode=True) or b""
        charset = part_html.get_content_charset()
    except Exception as e:  # noqa: BLE001
        return Document(format="mhtml", issues=[DocIssue("corrupt_mhtml", f"cannot read MIME web page: {e}")])
    doc = extract_html(payload, encoding=encoding or charset, limits=limits, whole_page=True)
    doc.format = "mhtml"
    return doc
