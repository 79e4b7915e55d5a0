"""Report metadata: title, agency, report year, publication date, level, region.

Sources, in order of trust:
- title: a title hint from the crawler (ArticleTitle / listing title), else the html `ArticleTitle`
  meta, else the title lines at the top of the body (joined when Word broke them over lines);
- agency and year: read from that title (a title hint beats body text); the year falls back to
  the statistics period ("统计期限为2020年1月1日至12月31日", "时限为…", "期限自…起至…止"). Never from a folder
  or URL date. The agency falls back to the body title, then the signature line, then the crawler's
  agency / site agency; a title agency that abbreviates the crawler's agency name ("区数据局" for
  "下城区数据资源管理局") is replaced by that full name;
- published: PubDate (hint, then html meta), then a "发布时间/发布日期" line, then a dated signature line
  at the end ("2021年1月26日", also in Chinese numerals "二〇二一年一月二十六日");
- level: national | province | city | county | township (governments, by the last place word of
  the name) | department (any other agency), when the name allows; region: the leading place names
  of the agency name ("六安市金安区"), when there are any.
"""
from __future__ import annotations

import re
from typing import Optional

from .document import Document, Paragraph
from .agency_names import clean_name, name_key
from .labels import cn_number

YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
PERIOD = re.compile(
    r"(?:统计期限|统计时限|期限|时限|统计区间|统计时段|统计周期)[^。；]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日"
    r"\s*(?:起)?\s*(?:至|到|-|—|～|~)\s*(?:((?:19|20)\d{2})\s*年\s*)?12\s*月\s*31\s*日")
DATE_LINE = re.compile(r"^\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
CN_DATE_LINE = re.compile(r"^\s*([〇零一二三四五六七八九○Ｏ０]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
                          r"\s*([一二三四五六七八九十]{1,3})\s*日\s*$")
PUB_LINE = re.compile(r"(?:发布时间|发布日期|公开日期|成文日期|印发日期)\s*[:：]?\s*((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})"
                      r"\s*[-/.月]\s*(\d{1,2})")
ISO = re.compile(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
TITLE_WORDS = ("年度报告", "年报", "工作报告", "年度工作报告")
AGENCY_END = re.compile(r"(关于)?(?:\d{4}\s*年度?)?(政府信息公开|政务公开|信息公开|政府信息工作|政府信息)")

HINT_TITLE_KEYS = ("title", "ArticleTitle", "article_title", "listed_title", "listing_title")
HINT_DATE_KEYS = ("PubDate", "pubdate", "published", "pub_date", "publish_date")
# page publisher, the department/township channel it was listed in, the crawler's pick, the registry row
HINT_AGENCY_KEYS = ("publisher", "channel", "agency", "site_agency")
HINT_SOURCE = {"publisher": "publisher", "channel": "channel", "agency": "publisher", "site_agency": "site"}

_CN_DIGIT = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "０": "0", "一": "1", "二": "2", "三": "3", "四": "4",
             "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}


def _iso(y, m, d) -> Optional[str]:
    y, m, d = int(y), int(m), int(d)
    if 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return None


def parse_date(text: Optional[str]) -> Optional[str]:
    if not text:
        return None
    m = ISO.search(text)
    return _iso(*m.groups()) if m else None


def _hint(hints: dict, keys) -> Optional[str]:
    for k in keys:
        v = hints.get(k)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


def body_title(doc: Document) -> Optional[str]:
    """Title lines at the top of the body (up to 4 short paragraphs before the first long one)."""
    lines: list[str] = []
    for b in doc.blocks[:8]:
        if not isinstance(b, Paragraph):
            break
        t = b.text.strip()
        if not t:
            continue
        if len(t) > 60 or re.match(r"^[一1][、.．]", t):
            break
        lines.append(t)
        if len(lines) >= 4:
            break
    for i, t in enumerate(lines):
        if any(w in t for w in TITLE_WORDS):
            start = i
            # Word breaks titles: take preceding short lines that end without punctuation
            while start > 0 and not re.search(r"[。；，,:：]$", lines[start - 1]) and len(lines[start - 1]) <= 40:
                start -= 1
            return "".join(lines[start:i + 1])
    if lines and re.search(r"(政府信息公开|政务公开).*(报告|年报)?$", lines[0]) and len(lines) > 1 \
            and any(w in lines[1] for w in TITLE_WORDS + ("报告",)):
        return lines[0] + lines[1]
    return None


def agency_from_title(title: Optional[str]) -> Optional[str]:
    """The issuing agency named in a report title, or None.

    "淄博市大数据局2020年政府信息公开工作年度报告" -> 淄博市大数据局; "2020年区数据局政府信息工作年报" -> 区数据局;
    "2014年度青屿市人民政府政府信息公开工作年度报告" / "2023青屿市教育局2023年度…" / "青屿市人民政府信息公开工作年度报告
    （2015年度）" -> the name without the year and without the report words.
    """
    if not title:
        return None
    t = re.sub(r"\s+", "", clean_title(title) or "")
    t = re.sub(r"^关于", "", t)
    t = re.sub(r"^(?:19|20)\d{2}(?:年度?|年)?", "", t)  # leading year, with or without 年
    t = re.sub(r"[（(]\s*(?:19|20)\d{2}\s*年度?\s*[）)]", "", t)  # "（2015年度）"
    m = YEAR_IN_TITLE.search(t)
    cand = t[:m.start()] if m and m.start() > 0 else t
    e = AGENCY_END.search(cand)
    if e:
        start = e.start(2)
        # "…人民政府信息公开…": 政府 belongs to the name, the report words start at 信息公开
        if cand[max(0, start - 2):start] == "人民" and cand[start:start + 2] == "政府":
            start += 2
        cand = cand[:start] if start > 0 else ""
    cand = re.sub(r"(关于|的)$", "", cand).strip("《》“”\"'：:，,、 ")
    cand = re.sub(r"(?:19|20)\d{2}年度?$", "", cand)
    return cand or None


def is_abbreviation(short: str, full: str) -> bool:
    """`short` is `full` with characters left out, ending the same way ("区数据局" of "下城区数据资源管理局")."""
    short, full = re.sub(r"\s+", "", short), re.sub(r"\s+", "", full)
    if len(short) < 2 or len(short) >= len(full) or short[-1] != full[-1]:
        return False
    it = iter(full)
    return all(ch in it for ch in short)


def year_from_title(title: Optional[str]) -> Optional[int]:
    if not title:
        return None
    m = YEAR_IN_TITLE.search(re.sub(r"\s+", "", title))
    return int(m.group(1)) if m else None


def year_from_period(text: str) -> Optional[int]:
    m = PERIOD.search(text or "")
    if m:
        return int(m.group(1))
    return None


def _cn_year(s: str) -> Optional[int]:
    d = "".join(_CN_DIGIT.get(c, "") for c in s)
    return int(d) if len(d) == 4 else None


def signature(doc: Document) -> tuple[Optional[str], Optional[str], Optional[int]]:
    """(agency line, ISO date, block index) of a dated signature at the end of the body."""
    paras = [(i, b) for i, b in enumerate(doc.blocks) if isinstance(b, Paragraph) and b.text.strip()]
    for k in range(len(paras) - 1, max(-1, len(paras) - 4), -1):
        i, b = paras[k]
        t = b.text.strip()
        date = None
        m = DATE_LINE.match(t)
        if m:
            date = _iso(*m.groups())
        else:
            m = CN_DATE_LINE.match(t)
            if m:
                y = _cn_year(m.group(1))
                mo, d = cn_number(m.group(2)), cn_number(m.group(3))
                if y and mo and d:
                    date = _iso(y, mo, d)
        if date:
            agency = None
            start = i
            if k > 0:
                pt = paras[k - 1][1].text.strip()
                if len(pt) <= 40 and not re.search(r"[。；;，,：:！!？?]", pt):
                    agency = pt
                    start = paras[k - 1][0]
            return agency, date, start
    return None, None, None


def published_date(doc: Document, hints: dict) -> Optional[str]:
    d = parse_date(_hint(hints, HINT_DATE_KEYS)) or parse_date(_hint(doc.meta or {}, HINT_DATE_KEYS))
    if d:
        return d
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            m = PUB_LINE.search(b.text)
            if m:
                d = _iso(*m.groups())
                if d:
                    return d
    return signature(doc)[1]


PLACE = re.compile(r"[\u4e00-\u9fff]{1,9}?(?:特别行政区|自治区|自治州|自治县|自治旗|新区|地区|街道|省|市|州|盟|县|区|旗|乡|镇)")
NOT_PLACE = {"城市", "都市", "城区", "社区", "园区", "景区", "小区", "辖区", "市区", "地区", "城乡", "管区", "片区", "街道",
             "矿区", "林区", "库区", "专区", "新区", "开发区", "示范区", "自贸区", "保税区", "集聚区"}


def region_of(agency: Optional[str]) -> Optional[str]:
    """Leading place names of an agency name ('六安市金安区数据资源管理局' -> '六安市金安区')."""
    if not agency:
        return None
    t = re.sub(r"\s+", "", agency)
    pos, out = 0, ""
    while pos < len(t):
        m = PLACE.match(t, pos)
        if not m:
            break
        seg = m.group(0)
        end = m.end()
        while end < len(t) and t[end] in "省市县区旗州盟" and seg.endswith("州"):
            seg, end = seg + t[end], end + 1  # 岚州市 / 杭州市: the lazy match stopped at 州
        # whole place names only: "东岚省住房和城乡建设厅" is 东岚省, never 东岚省住房和城乡
        if seg in NOT_PLACE or len(seg) < 2 or any(w in seg for w in ("管理", "服务", "政府", "委员", "办公", "和", "与")) \
                or seg.endswith(("城乡", "社区", "园区", "景区", "小区", "辖区", "片区")):
            break
        out += seg
        pos = end
    return out or None


GOV_END = re.compile(r"(人民政府|政府|行政公署|街道办事处|办事处)$")
ZONE_GOV = re.compile(r"区(党工委)?(管委会|管理委员会)$")  # 开发区/新区/实验区 administrations


def level_of(agency: Optional[str]) -> Optional[str]:
    if not agency:
        return None
    a = re.sub(r"\s+", "", agency)
    if a.startswith(("国务院", "中华人民共和国", "国家", "中国")) and not a.endswith("人民政府"):
        return "national"
    if ZONE_GOV.search(a):
        return "county" if re.search(r"[县市]", a[:-3]) else None
    if GOV_END.search(a):
        stem = GOV_END.sub("", a)
        if not stem:
            return None
        if re.search(r"(街道|乡|镇)$", stem) or a.endswith(("街道办事处", "办事处")):
            return "township"
        if re.search(r"(县|旗|区|自治县)$", stem):
            return "county"
        if re.search(r"(省|自治区)$", stem) or stem in ("北京市", "天津市", "上海市", "重庆市"):
            return "province"
        if re.search(r"(市|州|盟|地区)$", stem):
            return "city"
        return None
    if re.search(r"(局|厅|委员会|委|办公室|办|中心|部|院|署|所|站|队|处|室|会|馆|社)(（[^）]*）|\([^)]*\))?$", a):
        return "department"
    return None


_TITLE_SEP = re.compile(r"\s*(?:_|\||｜|——|--| - )\s*")


def clean_title(title: Optional[str]) -> Optional[str]:
    """Drop site / column suffixes of a page title ("…年度报告_政府信息公开年报_某某网" -> "…年度报告")."""
    if not title:
        return title
    t = title.strip()
    parts = [p for p in _TITLE_SEP.split(t) if p]
    if len(parts) > 1:
        for p in parts:
            if any(w in p for w in TITLE_WORDS) and YEAR_IN_TITLE.search(p):
                return p
        for p in parts:
            if any(w in p for w in TITLE_WORDS):
                return p
    return t


def extract_meta(doc: Document, hints: Optional[dict] = None) -> dict:
    """{title, agency, year, published, level, region} (None where the text does not say)."""
    hints = hints or {}
    meta = doc.meta or {}
    hint_title = clean_title(_hint(hints, HINT_TITLE_KEYS))
    meta_title = clean_title(_hint(meta, ("ArticleTitle", "title")))
    btitle = body_title(doc)
    title = hint_title or meta_title or btitle
    agency = None
    source = None
    year = None
    for src, t in (("title", hint_title), ("title", meta_title), ("body_title", btitle)):
        if t and agency is None:
            agency = clean_name(agency_from_title(t))  # page chrome (正文) and residue (标题:, #) are no names
            source = src if agency else None
        if t and year is None:
            year = year_from_title(t)
    if year is None:
        year = year_from_period(doc.text())
    if agency is None:
        agency = clean_name(signature(doc)[0])
        source = "signature" if agency else None
        if agency is None:
            key = next((k for k in HINT_AGENCY_KEYS if clean_name(_hint(hints, (k,)))), None)
            agency = clean_name(_hint(hints, (key,))) if key else None
            source = HINT_SOURCE.get(key) if agency else None
    printed = agency
    if agency is not None and source in ("title", "body_title"):
        # a title that abbreviates the name ("区数据局") yields to the crawler's full name of the same agency
        for k in HINT_AGENCY_KEYS:
            full = _hint(hints, (k,))
            if full and full != agency and is_abbreviation(agency, full) and name_key(agency) != name_key(full):
                agency = full
                source = HINT_SOURCE[k]
                break
    return {
        "title": title,
        "agency": agency,
        "agency_source": source,
        "agency_printed": printed,
        "year": year,
        "published": published_date(doc, hints),
        "level": level_of(agency),
        "region": region_of(agency),
    }
