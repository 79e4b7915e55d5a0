"""Agency names as pure rules: cleaning, the comparison key that ties regular alias forms together,
kind, level, scope and the relative-name check. No I/O; `normalize.agencies` applies them to a corpus.

- `clean_name` strips residue that is not part of a name (`标题:`, `正文`, a Markdown `#`, `关于`, spacing,
  full-width forms, quotes) and returns None for page chrome (`正文`, `首页`, `政府信息公开`…).
- `name_key` is equal for the regular alias forms of one agency: 管理委员会 = 管委会 = 党工委管委会,
  人民政府 present or not (a bare place name is its government), 办公厅 = 办公室, full/half width, spacing.
  Different agencies keep different keys (青屿市人民政府办公室 ≠ 青屿市人民政府).
- `scope_of` tells a whole-area summary (全区/全市汇总) from the agency's own report (本级).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

RESIDUE_PREFIX = re.compile(r"^(?:[#＃]+|标题|题目|名称|文章标题|正文|关于|发布机构|来源|信息来源|[:：\-—_|｜·•>》\s])+")
RESIDUE_SUFFIX = re.compile(r"(?:的|[:：\-—_|｜·•\s。，,、])+$")
QUOTES = "《》“”\"'「」『』【】[]"
CHROME = {
    "正文", "标题", "首页", "详情", "详细", "内容", "当前位置", "您当前的位置", "附件", "下载", "打印", "关闭", "来源", "发布机构",
    "政府信息公开", "信息公开", "政务公开", "政府信息公开年报", "政府信息公开年度报告", "年度报告", "年报", "公开年报",
    "政府信息公开工作年度报告", "政府信息公开专栏", "法定主动公开内容", "本网", "本站", "网站", "门户网站", "无",
}
PLACE_END = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "街道", "省", "市", "州", "盟", "县", "区", "旗", "乡", "镇")
ZONE_WORDS = ("开发区", "新区", "实验区", "高新区", "园区", "示范区", "试验区", "合作区", "保税区", "自贸区", "经济区", "功能区")
GOV_SUFFIX = re.compile(r"(?:党工委)?(?:管理委员会|管委会)$|人民政府$|(?<=[省市县区旗州盟乡镇])政府$|(?<=街道)办事处$|(?<=街道)办$")
AREA_SUMMARY = re.compile(r"全(?:省|市|州|盟|区|县|旗|乡|镇)(?:政府信息公开|政务公开|各级|行政机关|$)|汇总|(?:本级及|含)(?:所属|下属)")


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def clean_name(raw: Optional[str]) -> Optional[str]:
    """The name without residue, or None when nothing name-like is left (page chrome, empty)."""
    if not raw:
        return None
    t = re.sub(r"\s+", "", str(raw)).replace("\u3000", "")  # the printed form is kept; only keys fold widths
    t = t.strip(QUOTES)
    for _ in range(3):  # residue can be stacked: "# 标题：关于…"
        t2 = RESIDUE_SUFFIX.sub("", RESIDUE_PREFIX.sub("", t)).strip(QUOTES)
        if t2 == t:
            break
        t = t2
    if len(t) < 2 or _nfkc(t) in CHROME or not re.search(r"[\u4e00-\u9fff]", t):
        return None
    if re.fullmatch(r"[\d年度第\-]+", t):
        return None
    return t


def is_chrome(raw: Optional[str]) -> bool:
    return raw is not None and clean_name(raw) is None


def base_of(name: str) -> tuple[str, bool]:
    """(name without a government suffix, whether the name designates a government).

    "平潭综合实验区党工委管委会" -> ("平潭综合实验区", True); "青屿市" -> ("青屿市", True) (a bare place is its
    government); "青屿市人民政府办公室" -> ("青屿市人民政府办公室", False)."""
    n = _nfkc(re.sub(r"\s+", "", name))
    m = GOV_SUFFIX.search(n)
    if m and m.start() > 0:
        return n[:m.start()], True
    if n.endswith(PLACE_END) or n.endswith(ZONE_WORDS):
        return n, True
    return n, False


def name_key(name: str, scope: str = "own") -> str:
    """Comparison key: equal for the regular alias forms of one agency (and scope)."""
    n = _nfkc(re.sub(r"\s+", "", name))
    n = n.replace("管理委员会", "管委会")
    base, gov = base_of(n)
    if gov:
        key = base + "#gov"
    else:
        key = re.sub(r"办公厅$", "办公室", base)
        key = key.replace("人民政府办公室", "政府办公室")
    return key + ("#area" if scope == "area_summary" else "")


def kind_of(name: str) -> str:
    base, gov = base_of(name)
    if any(w in base for w in ZONE_WORDS) and (gov or "管委会" in name or "管理委员会" in name):
        return "development_zone"
    if gov:
        if re.search(r"(乡|镇|街道)$", base) or name.endswith(("街道办事处", "办事处")):
            return "township"
        return "government"
    if re.search(r"(局|厅|委员会|委|办公室|办|中心|部|院|署|所|站|队|处|室|会|馆|社|司)(（[^）]*）|\([^)]*\))?$", base):
        return "department"
    return "other"


LEVEL_OF_SUFFIX = [("特别行政区", "province"), ("自治区", "province"), ("自治州", "city"), ("自治县", "county"),
                   ("自治旗", "county"), ("地区", "city"), ("街道", "township"), ("省", "province"), ("市", "city"),
                   ("州", "city"), ("盟", "city"), ("县", "county"), ("区", "county"), ("旗", "county"),
                   ("乡", "township"), ("镇", "township")]
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")


def level_of_place(place: Optional[str]) -> Optional[str]:
    """Level of the last place name of a region string ("东岚省青屿市" -> city)."""
    if not place:
        return None
    if place in MUNICIPALITIES:
        return "province"
    for suffix, level in LEVEL_OF_SUFFIX:
        if place.endswith(suffix):
            return level
    return None


def scope_of(title: Optional[str]) -> str:
    """area_summary when the title says the report sums up a whole area (全市/全区…, 汇总), else own."""
    t = re.sub(r"\s+", "", _nfkc(title or ""))
    return "area_summary" if AREA_SUMMARY.search(t) else "own"


def is_relative(name: str) -> bool:
    """A name relative to its site's place: 区数据局, 市教育局 (the district's / the city's …)."""
    n = re.sub(r"\s+", "", name)
    return bool(re.match(r"^(?:省|市|区|县|州|盟|旗)(?=[\u4e00-\u9fff]{2})", n)) and not n.endswith(PLACE_END) \
        and not re.match(r"^(?:市场|区域|县域|市政|省委|市委|区委|县委)", n)


def qualify(name: str, site_region: Optional[str]) -> Optional[str]:
    """A relative name made absolute with the place of its site's region of the same kind
    ("市教育局" on a 东岚省青屿市 site -> "青屿市教育局"); None when the region has no such place."""
    if not site_region or not is_relative(name):
        return None
    head = name[0]
    from .meta import PLACE

    places = [m.group(0) for m in PLACE.finditer(re.sub(r"\s+", "", site_region))]
    for p in reversed(places):
        if p.endswith(head):
            return p + name[1:]
    return None
