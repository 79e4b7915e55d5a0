"""Deterministic generator of 年报 content for the fixture portal: agencies, titles, bodies, attachments.

Imitates the real reports described in FORMATS.md (three layouts: pre-2019 prose, the 2019 format of
国办公开办函〔2019〕60号, the 2021 format of 国办公开办函〔2021〕30号) and the title variants and
negatives of PORTALS.md §6.1/§6.3 (weights from §8.3). Table row and column labels are those of
``normalize/codebook.csv`` (copied here on purpose: the portal imports nothing from normalize/; a test
checks that the labels still agree).

Every random choice comes from ``random.Random(<string seed>)``; nothing reads the clock, so the same
seed always gives the same report, byte for byte.
"""
from __future__ import annotations

import html
import random
from dataclasses import dataclass, field

from . import docs

# ---------------------------------------------------------------- model


@dataclass
class Agency:
    name: str  # full name as printed in titles, e.g. 青屿市发展和改革委员会
    short: str  # ContentSource style short name, e.g. 市发展改革委
    level: str  # national | province | city | county | department | township
    region: str  # e.g. 东岚省青屿市
    code: str  # 18-character 统一社会信用代码 style code (fictional)
    slug: str  # pinyin-ish abbreviation used in paths


_BYTES: dict = {}  # attachment key -> bytes, so that every scenario of a process makes each file once
CACHE_VERSION = "1"


def _cache_dir():
    """On-disk cache of generated attachments (PDF/DOCX rendering dominates build time).

    ``OGI_PORTAL_CACHE=0`` disables it; another value is the directory. Entries are keyed by the
    attachment key, the cache version and the reportlab / python-docx versions, so stale bytes are never
    served; deleting the directory is always safe.
    """
    import os
    v = os.environ.get("OGI_PORTAL_CACHE")
    if v == "0":
        return None
    if v:
        return v
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ogi-portal")


_CODE_VERSION = []


def _code_version() -> str:
    """Cache version + library versions + a hash of every source file of the portal (any edit invalidates)."""
    if not _CODE_VERSION:
        import hashlib
        from pathlib import Path
        h = hashlib.sha256(CACHE_VERSION.encode())
        try:
            import docx as _docx
            import reportlab
            h.update(f"{reportlab.Version}:{getattr(_docx, '__version__', '')}".encode())
        except Exception:  # pragma: no cover
            pass
        for f in sorted(Path(__file__).parent.rglob("*.py")):
            h.update(f.name.encode() + f.read_bytes())
        _CODE_VERSION.append(h.hexdigest())
    return _CODE_VERSION[0]


def _disk_cached(key: str, make):
    import hashlib
    import os
    d = _cache_dir() if key else None
    if not d:
        return make()
    name = hashlib.sha256(f"{_code_version()}\x00{key}".encode("utf-8")).hexdigest()
    path = os.path.join(d, name[:2], name)
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        pass
    data = make()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass
    return data


@dataclass
class Attachment:
    filename: str  # display name, e.g. 附件：xxx.pdf
    ext: str
    source: object  # bytes, or a no-argument callable that makes them (generated on first use)
    signature_only: bool = False
    role: str = "report"  # report | statistics | image
    # filled in by the site that serves it
    path: str = ""
    url: str = ""
    href: str = ""

    key: str = ""  # cache key: the same key always means the same bytes (shared across scenarios)

    @property
    def data(self) -> bytes:
        if callable(self.source):
            if self.key and self.key in _BYTES:
                self.source = _BYTES[self.key]
            else:
                self.source = _disk_cached(self.key, self.source)
                if self.key:
                    _BYTES[self.key] = self.source
        return self.source

    @property
    def sha256(self) -> str:
        return docs.sha256(self.data)


@dataclass
class Item:
    """One entry in a list: a report or a negative (a non-report placed next to reports)."""

    kind: str  # report | negative
    agency: Agency
    year: int | None
    title: str
    published: str  # 'YYYY-MM-DD HH:MM'
    template: str | None = None  # pre2019 | 2019 | 2021
    mode: str = "html"  # html | html+att | att_only | image
    blocks: list = field(default_factory=list)
    values: dict = field(default_factory=dict)
    attachments: list = field(default_factory=list)
    reason: str = ""  # for negatives
    title_style: str = "std"
    heading_split: bool = False
    key: str = ""
    # filled in by the site
    doc_id: int = 0
    path: str = ""
    url: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def date(self) -> str:
        return self.published[:10]

    @property
    def format(self) -> str:
        """Primary format of the report text: html, pdf, docx, doc, wps, image, txt."""
        if self.mode == "image":
            return "image"
        if self.mode in ("att_only",):
            return self.attachments[0].ext if self.attachments else "html"
        return "html"


# ---------------------------------------------------------------- helpers

CN_NUM = "一二三四五六七八九十"


def rng_for(*parts) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))


def credit_code(rng: random.Random, prefix: str = "11") -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return prefix + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(
        rng.choice(chars) for _ in range(10))


def weighted(rng: random.Random, table):
    """table: list of (value, weight)."""
    total = sum(w for _, w in table)
    x = rng.random() * total
    for v, w in table:
        x -= w
        if x < 0:
            return v
    return table[-1][0]


def template_for(year: int) -> str:
    if year <= 2018:
        return "pre2019"
    if year <= 2020:
        return "2019"
    return "2021"


def pub_date(rng: random.Random, year: int, level: str, late: bool = False) -> str:
    """Publication date of the report for `year`: departments in January, governments by 31 March."""
    y = year + 1
    if late:
        m, d = 6, rng.randint(3, 28)
    elif level in ("department",):
        m, d = 1, rng.randint(8, 31)
    elif level == "township":
        m, d = rng.choice([1, 2, 3]), rng.randint(5, 28)
    else:
        m = rng.choice([2, 3, 3])
        d = rng.randint(1, 28 if m == 2 else 31)
    hh, mm = rng.randint(8, 17), rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50])
    return f"{y:04d}-{m:02d}-{d:02d} {hh:02d}:{mm:02d}"


# ---------------------------------------------------------------- titles (PORTALS.md §6.1, weights §8.3)

TITLE_STYLES = [
    ("std", 60), ("niandu_first", 10), ("paren", 10), ("double_niandu", 5), ("no_niandu", 3),
    ("no_gongzuo", 3), ("no_zhengfu", 2), ("double_year", 2), ("no_agency", 3), ("old", 2),
]


def make_title(name: str, year: int, style: str) -> str:
    if style == "niandu_first":
        return f"{year}年度{name}政府信息公开工作年度报告"
    if style == "paren":
        # 洪山区人民政府 -> 洪山区人民政府信息公开工作年度报告（2023年度）: no second 政府 (§6.1)
        if name.endswith("人民政府"):
            return f"{name}信息公开工作年度报告（{year}年度）"
        return f"{name}政府信息公开工作年度报告（{year}年度）"
    if style == "double_niandu":
        return f"{name}{year}年度政府信息公开工作年度报告"
    if style == "no_niandu":
        return f"{name}{year}年政府信息公开工作报告"
    if style == "no_gongzuo":
        return f"{name}{year}年政府信息公开年度报告"
    if style == "no_zhengfu":
        return f"{name}{year}年信息公开工作年度报告"
    if style == "double_year":
        return f"{year}{name}{year}年度政府信息公开工作年度报告"
    if style == "no_agency":
        return f"{year}年政府信息公开工作年度报告"
    if style == "old":
        return f"{name}政府信息公开工作{year}年度报告"
    return f"{name}{year}年政府信息公开工作年度报告"


def pick_title_style(rng: random.Random, year: int) -> str:
    style = weighted(rng, TITLE_STYLES)
    if style == "old" and year > 2012:
        style = "std"
    return style


# ---------------------------------------------------------------- negatives (PORTALS.md §6.3)

NEGATIVE_KINDS = [
    "publication_notice", "compilation_notice", "website_report", "rule_of_law_report",
    "housing_fund_report", "statistical_bulletin", "enterprise_guide",
]


def negative_title(kind: str, name: str, city: str, year: int) -> str:
    if kind == "publication_notice":
        return f"{name}{year}年政府信息公开工作年度报告公布情况"
    if kind == "compilation_notice":
        return f"关于做好{year}年度政府信息公开工作年度报告编制和发布工作的通知"
    if kind == "website_report":
        return f"{name}{year}年政府网站工作年度报表"
    if kind == "rule_of_law_report":
        return f"{name}{year}年法治政府建设年度报告"
    if kind == "housing_fund_report":
        return f"{city}住房公积金{year}年年度报告"
    if kind == "statistical_bulletin":
        return f"{city}{year}年国民经济和社会发展统计公报"
    if kind == "enterprise_guide":
        return f"{year}年度企业年度报告公示指南"
    raise ValueError(kind)


def negative_blocks(kind: str, title: str, name: str, year: int) -> list:
    p = {
        "publication_notice": [
            f"根据《中华人民共和国政府信息公开条例》规定，现将{name}各单位{year}年政府信息公开工作年度报告公布情况通报如下。",
            f"截至{year + 1}年3月31日，应公布政府信息公开工作年度报告的单位均已按时在门户网站公布年度报告，其中部门年度报告于1月31日前公布。",
            "请各单位对照《政府信息公开工作年度报告格式》进一步核对报告内容，确保数据准确、格式规范。",
        ],
        "compilation_notice": [
            "各县（市、区）人民政府，市政府各部门、各直属机构：",
            f"为做好{year}年度政府信息公开工作年度报告编制和发布工作，根据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号文件要求，现就有关事项通知如下：",
            f"一、各单位应于{year + 1}年1月31日前向社会公布本部门{year}年度政府信息公开工作年度报告；各县（市、区）人民政府应于3月31日前公布。",
            "二、年度报告应严格按照统一格式编制，统计数据应真实准确，勾稽关系正确。",
        ],
        "website_report": [
            f"{name}{year}年政府网站工作年度报表如下。",
            "网站名称、首页网址、主办单位、网站标识码、ICP备案号、独立用户访问总量、网站总访问量、信息发布总数、专栏专题维护数量、政务服务事项数量、互动交流留言办理情况。",
        ],
        "rule_of_law_report": [
            f"{year}年，{name}深入学习贯彻习近平法治思想，全面推进依法行政，法治政府建设取得新进展。现将有关情况报告如下。",
            "一、主要举措和成效。二、存在的不足和原因。三、下一步工作安排。",
        ],
        "housing_fund_report": [
            f"根据国务院《住房公积金管理条例》和住房城乡建设部、财政部、人民银行有关规定，经住房公积金管理委员会审议通过，现将{year}年年度报告公布如下。",
            "一、机构概况。二、业务运行情况。三、资产风险状况。四、社会经济效益。",
        ],
        "statistical_bulletin": [
            f"{year}年，全市上下坚持稳中求进工作总基调，经济社会发展主要预期目标较好完成。",
            "一、综合。二、农业。三、工业和建筑业。四、固定资产投资。五、国内贸易。",
        ],
        "enterprise_guide": [
            f"根据《企业信息公示暂行条例》，企业应当于每年1月1日至6月30日，通过国家企业信用信息公示系统报送上一年度年度报告，并向社会公示。",
            "本指南适用于各类企业、农民专业合作社和个体工商户的年度报告公示。",
        ],
    }[kind]
    return [("title", title)] + [("p", x) for x in p]


# ---------------------------------------------------------------- tables (labels: normalize/codebook.csv)

T3_COLS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org"]
T3_COL_LABELS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]

T3_DENIED = [
    ("denied_state_secret", "1.属于国家秘密"),
    ("denied_prohibited", "2.其他法律行政法规禁止公开"),
    ("denied_three_safeties", "3.危及“三安全一稳定”"),
    ("denied_third_party", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "5.属于三类内部事务信息"),
    ("denied_process_info", "6.属于四类过程性信息"),
    ("denied_enforcement_file", "7.属于行政执法案卷"),
    ("denied_inquiry", "8.属于行政查询事项"),
]
T3_UNAVAILABLE = [
    ("unavailable_not_held", "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", "3.补正后申请内容仍不明确"),
]
T3_NOT_PROCESSED = [
    ("not_processed_petition", "1.信访举报投诉类申请"),
    ("not_processed_duplicate", "2.重复申请"),
    ("not_processed_publication", "3.要求提供公开出版物"),
    ("not_processed_excessive", "4.无正当理由大量反复申请"),
    ("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息"),
]
T3_OTHER_2021 = [
    ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_fee_unpaid", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_misc", "3.其他"),
]
T4_COLS = ["upheld", "corrected", "other", "pending", "total"]
T4_COL_LABELS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def _c(text, rs=1, cs=1):
    return (str(text), rs, cs)


def _scale(level: str) -> int:
    return {"national": 6, "province": 8, "city": 5, "county": 3, "department": 2, "township": 1}.get(level, 2)


def gen_t3(rng: random.Random, level: str, template: str) -> dict:
    s = _scale(level)
    other_codes = [c for c, _ in T3_OTHER_2021] if template == "2021" else ["other"]
    result_codes = (["granted", "partially_granted"] + [c for c, _ in T3_DENIED] + [c for c, _ in T3_UNAVAILABLE]
                    + [c for c, _ in T3_NOT_PROCESSED] + other_codes)
    weights = {c: 0.3 for c in result_codes}
    weights.update({"granted": 8, "partially_granted": 2, "unavailable_not_held": 3, "denied_inquiry": 0.8,
                    "not_processed_petition": 0.8, "not_processed_duplicate": 0.6})
    col_scale = {"natural_person": 1.0, "commercial": 0.35, "research": 0.05, "social_welfare": 0.05,
                 "legal_services": 0.15, "other_org": 0.1}
    rows = {c: {} for c in ["new_received", "carried_over"] + result_codes + ["total_processed", "carried_forward"]}
    for col in T3_COLS:
        mean = s * 3 * col_scale[col]
        new = int(rng.expovariate(1 / mean)) if mean > 0.2 and rng.random() < 0.85 else 0
        carried = rng.randint(0, max(0, s // 3)) if rng.random() < 0.25 else 0
        n = new + carried
        fwd = rng.randint(0, min(n, max(1, s // 2))) if n and rng.random() < 0.3 else 0
        processed = n - fwd
        counts = {c: 0 for c in result_codes}
        codes = list(result_codes)
        w = [weights[c] for c in codes]
        for _ in range(processed):
            counts[rng.choices(codes, w)[0]] += 1
        rows["new_received"][col] = new
        rows["carried_over"][col] = carried
        for c in result_codes:
            rows[c][col] = counts[c]
        rows["total_processed"][col] = processed
        rows["carried_forward"][col] = fwd
    for code, r in rows.items():
        r["total"] = sum(r[c] for c in T3_COLS)
    return rows


MISPRINT_RATE = 0.08


def misprint_t3(rng: random.Random, t3: dict) -> str | None:
    """Real reports contradict themselves (FORMATS.md): a printed 总计 of 0 where the parts add up to
    more, a （七）总计 that is off, a 法人 block left blank. A few generated reports do the same, so
    the corpus's checks have something to flag. Returns the kind, or None (most reports)."""
    if rng.random() >= MISPRINT_RATE:
        return None
    kind = rng.choice(["zero_total", "total_off", "blank_legal_person"])
    if kind == "zero_total" and t3["total_processed"]["total"] > 0:
        t3["total_processed"]["total"] = 0
    elif kind == "total_off":
        printed = t3["total_processed"]["total"]
        t3["total_processed"]["total"] = next(printed + d for d in (rng.choice([-2, 3, 6]), 3) if printed + d >= 0)
    elif kind == "blank_legal_person":
        for row in t3.values():
            for col in ("commercial", "research", "social_welfare", "legal_services", "other_org"):
                row[col] = None
    else:
        return None
    return kind


def gen_t4(rng: random.Random, level: str) -> dict:
    s = _scale(level)
    out = {}
    for g in ("review", "suit_direct", "suit_after_review"):
        parts = [0, 0, 0, 0]
        if rng.random() < 0.35:
            for _ in range(rng.randint(1, max(1, s))):
                parts[rng.choices(range(4), [6, 1, 1, 1])[0]] += 1
        out[g] = dict(zip(T4_COLS, parts + [sum(parts)]))
    return out


def gen_t2(rng: random.Random, level: str, template: str) -> dict:
    s = _scale(level)
    gov = level in ("national", "province", "city", "county")
    if template == "2021":
        reg_in_force = rng.randint(5, 60) if gov and level != "county" else 0
        reg_issued = rng.randint(0, 4) if reg_in_force else 0
        nd_in_force = rng.randint(3, 40 * s // 2 + 5)
        nd_issued = rng.randint(0, min(nd_in_force, 10))
        fee = rng.choice(["0", "0", f"{rng.randint(1, 900)}.{rng.randint(0, 99):02d}", f"{rng.randint(1, 99)}.{rng.randint(0, 999999):06d}"])
        return {
            "regulations": {"issued": reg_issued, "repealed": rng.randint(0, 2) if reg_in_force else 0, "in_force": reg_in_force},
            "normative_documents": {"issued": nd_issued, "repealed": rng.randint(0, 3), "in_force": nd_in_force},
            "licensing": {"decisions": int(rng.expovariate(1 / (60 * s))) if rng.random() < 0.8 else 0},
            "penalties": {"decisions": int(rng.expovariate(1 / (40 * s))) if rng.random() < 0.8 else 0},
            "coercion": {"decisions": int(rng.expovariate(1 / (3 * s))) if rng.random() < 0.5 else 0},
            "fees": {"amount": fee},
        }
    def item():
        prev = rng.randint(0, 40 * s)
        return {"prev_items": prev, "change": rng.randint(-min(prev, 9), 9), "decisions": rng.randint(0, 200 * s)}
    amount = rng.choice([f"{rng.randint(0, 9000)}万元", "0", f"{rng.randint(100, 5000)}.{rng.randint(10, 99)}万",
                         f"{rng.randint(10000, 9999999)}元", "0万元"])
    fees = item()
    del fees["decisions"]
    return {
        "regulations": {"made": 0 if level in ("department", "township") else rng.randint(0, 3), "published": 0, "published_total": 0},
        "normative_documents": {"made": rng.randint(0, 8), "published": 0, "published_total": rng.randint(0, 80)},
        "licensing": item(), "other_services": item(), "penalties": item(), "coercion": item(),
        "fees": fees,
        "procurement": {"projects": rng.randint(0, 30), "amount": amount},
    }


def _fix_2019_published(t2):
    for k in ("regulations", "normative_documents"):
        t2[k]["published"] = t2[k]["made"]
        t2[k]["published_total"] = max(t2[k]["published_total"], t2[k]["made"])


def t2_table(t2: dict, template: str) -> list:
    if template == "2021":
        return [
            [_c("第二十条第（一）项", 1, 4)],
            [_c("信息内容"), _c("本年制发件数"), _c("本年废止件数"), _c("现行有效件数")],
            [_c("规章")] + [_c(t2["regulations"][k]) for k in ("issued", "repealed", "in_force")],
            [_c("行政规范性文件")] + [_c(t2["normative_documents"][k]) for k in ("issued", "repealed", "in_force")],
            [_c("第二十条第（五）项", 1, 4)],
            [_c("信息内容"), _c("本年处理决定数量", 1, 3)],
            [_c("行政许可"), _c(t2["licensing"]["decisions"], 1, 3)],
            [_c("第二十条第（六）项", 1, 4)],
            [_c("信息内容"), _c("本年处理决定数量", 1, 3)],
            [_c("行政处罚"), _c(t2["penalties"]["decisions"], 1, 3)],
            [_c("行政强制"), _c(t2["coercion"]["decisions"], 1, 3)],
            [_c("第二十条第（八）项", 1, 4)],
            [_c("信息内容"), _c("本年收费金额（单位：万元）", 1, 3)],
            [_c("行政事业性收费"), _c(t2["fees"]["amount"], 1, 3)],
        ]
    def row3(label, d):
        return [_c(label), _c(d["prev_items"]), _c(d["change"]), _c(d["decisions"])]
    return [
        [_c("第二十条第（一）项", 1, 4)],
        [_c("信息内容"), _c("本年新制作数量"), _c("本年新公开数量"), _c("对外公开总数量")],
        [_c("规章")] + [_c(t2["regulations"][k]) for k in ("made", "published", "published_total")],
        [_c("规范性文件")] + [_c(t2["normative_documents"][k]) for k in ("made", "published", "published_total")],
        [_c("第二十条第（五）项", 1, 4)],
        [_c("信息内容"), _c("上一年项目数量"), _c("本年增/减"), _c("处理决定数量")],
        row3("行政许可", t2["licensing"]),
        row3("其他对外管理服务事项", t2["other_services"]),
        [_c("第二十条第（六）项", 1, 4)],
        [_c("信息内容"), _c("上一年项目数量"), _c("本年增/减"), _c("处理决定数量")],
        row3("行政处罚", t2["penalties"]),
        row3("行政强制", t2["coercion"]),
        [_c("第二十条第（八）项", 1, 4)],
        [_c("信息内容"), _c("上一年项目数量"), _c("本年增/减", 1, 2)],
        [_c("行政事业性收费"), _c(t2["fees"]["prev_items"]), _c(t2["fees"]["change"], 1, 2)],
        [_c("第二十条第（九）项", 1, 4)],
        [_c("信息内容"), _c("采购项目数量"), _c("采购总金额", 1, 2)],
        [_c("政府集中采购"), _c(t2["procurement"]["projects"]), _c(t2["procurement"]["amount"], 1, 2)],
    ]


def t3_table(t3: dict, template: str, split_headers: bool = False) -> list:
    def vals(code):
        return [_c("" if t3[code][c] is None else t3[code][c]) for c in T3_COLS + ["total"]]
    head = T3_COL_LABELS
    if split_headers:
        head = ["自然人", "商业\n企业", "科研\n机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    other_rows = 3 if template == "2021" else 1
    n_results = 2 + 8 + 3 + 5 + other_rows + 1
    rows = [
        [_c(T3_NOTE, 3, 3), _c("申请人情况", 1, 7)],
        [_c(head[0], 2, 1), _c("法人或其他组织", 1, 5), _c(head[6], 2, 1)],
        [_c(h) for h in head[1:6]],
        [_c("一、本年新收政府信息公开申请数量", 1, 3)] + vals("new_received"),
        [_c("二、上年结转政府信息公开申请数量", 1, 3)] + vals("carried_over"),
        [_c("三、本年度办理结果", n_results, 1), _c("（一）予以公开", 1, 2)] + vals("granted"),
        [_c("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 1, 2)] + vals("partially_granted"),
    ]
    for i, (code, label) in enumerate(T3_DENIED):
        rows.append(([_c("（三）不予公开", 8, 1)] if i == 0 else []) + [_c(label)] + vals(code))
    for i, (code, label) in enumerate(T3_UNAVAILABLE):
        rows.append(([_c("（四）无法提供", 3, 1)] if i == 0 else []) + [_c(label)] + vals(code))
    for i, (code, label) in enumerate(T3_NOT_PROCESSED):
        rows.append(([_c("（五）不予处理", 5, 1)] if i == 0 else []) + [_c(label)] + vals(code))
    if template == "2021":
        for i, (code, label) in enumerate(T3_OTHER_2021):
            rows.append(([_c("（六）其他处理", 3, 1)] if i == 0 else []) + [_c(label)] + vals(code))
    else:
        rows.append([_c("（六）其他处理", 1, 2)] + vals("other"))
    rows.append([_c("（七）总计", 1, 2)] + vals("total_processed"))
    rows.append([_c("四、结转下年度继续办理", 1, 3)] + vals("carried_forward"))
    return rows


def t4_table(t4: dict) -> list:
    vals = []
    for g in ("review", "suit_direct", "suit_after_review"):
        vals += [_c(t4[g][c]) for c in T4_COLS]
    return [
        [_c("行政复议", 1, 5), _c("行政诉讼", 1, 10)],
        [_c(x, 2, 1) for x in T4_COL_LABELS] + [_c("未经复议直接起诉", 1, 5), _c("复议后起诉", 1, 5)],
        [_c(x) for x in T4_COL_LABELS] * 2,
        vals,
    ]


# ---------------------------------------------------------------- bodies (FORMATS.md)

SECTION_VARIANTS_4 = ["四、政府信息公开行政复议、行政诉讼情况", "四、政府信息公开行政复议和行政诉讼情况",
                      "四、因政府信息公开工作被申请行政复议和提起行政诉讼情况"]
SECTION_VARIANTS_5 = ["五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况",
                      "五、存在的主要问题及整改措施"]


def report_blocks(agency: Agency, year: int, template: str, rng: random.Random, title: str,
                  split_headers: bool = False):
    """The text of a report as blocks, plus the printed values (for the manifest)."""
    name = agency.name
    active = rng.randint(20, 120) * _scale(agency.level)
    blocks = [("title", title)]
    values: dict = {"template": template}
    if template == "pre2019":
        req = rng.randint(0, 6 * _scale(agency.level))
        granted = rng.randint(0, req)
        review = rng.choice([0, 0, 0, 1])
        blocks += [
            ("p", f"本报告是根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求，由{name}编制的{year}年度政府信息公开年度报告。"
                  "全文包括概述，主动公开政府信息情况，依申请公开政府信息情况，政府信息公开的收费及减免情况，因政府信息公开申请行政复议、提起行政诉讼的情况，"
                  f"政府信息公开工作存在的主要问题及改进情况，其他需要报告的事项。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"),
            ("h", "一、概述"),
            ("p", f"{year}年，{name}认真贯彻落实《条例》，加强组织领导，完善工作机制，不断拓宽公开渠道，政府信息公开工作有序推进。"),
            ("h", "二、主动公开政府信息情况"),
            ("p", f"{year}年，共主动公开政府信息{active}条，其中通过门户网站公开{active - active // 5}条，通过政府公报、新闻发布会等其他方式公开{active // 5}条。"),
            ("h", "三、依申请公开政府信息情况"),
            ("p", f"{year}年共受理政府信息公开申请{req}件，已全部按期答复，其中同意公开{granted}件，其他{req - granted}件依法作出相应答复。"),
            ("h", "四、政府信息公开的收费及减免情况"),
            ("p", f"{year}年，{name}在政府信息公开工作中未收取任何费用。"),
            ("h", "五、因政府信息公开申请行政复议、提起行政诉讼的情况"),
            ("p", f"{year}年，发生因政府信息公开申请行政复议{review}件，提起行政诉讼0件。" if review else
                  f"{year}年，未发生因政府信息公开申请行政复议、提起行政诉讼的情况。"),
            ("h", "六、政府信息公开工作存在的主要问题及改进情况"),
            ("p", "政府信息公开工作还存在公开内容不够全面、更新不够及时等问题。下一步，我们将进一步完善制度，加强培训，提高政府信息公开工作水平。"),
            ("h", "七、其他需要报告的事项"),
            ("p", "无。"),
        ]
        values["narrative"] = {"active": active, "requests": req, "granted": granted, "review": review}
        return blocks, values

    t2 = gen_t2(rng, agency.level, template)
    if template == "2019":
        _fix_2019_published(t2)
    t3 = gen_t3(rng, agency.level, template)
    misprint = misprint_t3(rng_for(name, year, "misprint"), t3)
    if misprint:
        values["misprint"] = misprint
    t4 = gen_t4(rng, agency.level)
    total_req = t3["new_received"]["total"]
    done = t3["total_processed"]["total"]
    doc_no = "国办公开办函〔2021〕30号" if template == "2021" else "国办公开办函〔2019〕60号"
    blocks += [
        ("p", f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（{doc_no}）要求编制。"
              f"本报告所列数据统计期限自{year}年1月1日起至{year}年12月31日止。如对本报告有疑问，请与{name}办公室联系。"),
        ("h", "一、总体情况"),
        ("p", f"（一）主动公开。{year}年，{name}坚持以公开为常态、不公开为例外，全年主动公开政府信息{active}条。"),
        ("p", f"（二）依申请公开。{year}年共收到政府信息公开申请{total_req}件，办结{done}件，均在法定期限内答复。"),
        ("p", "（三）政府信息管理。严格落实信息发布审核制度，动态更新政府信息公开目录。"),
        ("p", "（四）平台建设。持续优化政府网站政府信息公开专栏，提升信息发布的及时性和准确性。"),
        ("p", "（五）监督保障。将政府信息公开工作纳入年度绩效考核，开展业务培训。"),
        ("h", "二、主动公开政府信息情况"),
        ("table", t2_table(t2, template)),
        ("h", "三、收到和处理政府信息公开申请情况"),
        ("table", t3_table(t3, template, split_headers)),
        ("h", rng.choice(SECTION_VARIANTS_4)),
        ("table", t4_table(t4)),
        ("h", rng.choice(SECTION_VARIANTS_5)),
        ("p", "一是公开内容的全面性有待提高；二是政策解读形式还不够丰富。下一步，将进一步规范公开流程，丰富解读形式，提升公开质效。"),
        ("h", "六、其他需要报告的事项"),
        ("p", f"{year}年度，{name}未收取信息处理费。" if template == "2021" else "无。"),
    ]
    values.update({"t2": t2, "t3": t3, "t4": t4,
                   "narrative": {"active": active, "requests": total_req, "done": done}})
    return blocks, values


# ---------------------------------------------------------------- HTML rendering of blocks


def esc(s: str) -> str:
    return html.escape(s, quote=True)


def table_html(rows, style: str = "trs") -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0" align="center" style="border-collapse:collapse;">',
           "<tbody>"]
    for r, row in enumerate(rows):
        cells = []
        for text, rs, cs in row:
            attrs = ""
            if rs > 1:
                attrs += f' rowspan="{rs}"'
            if cs > 1:
                attrs += f' colspan="{cs}"'
            inner = "".join(f"<p>{esc(part)}</p>" for part in text.split("\n"))
            cells.append(f'<td valign="center"{attrs}>{inner}</td>')
        cls = ' class="firstRow"' if r == 0 else ""
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def blocks_html(blocks, p_style: str = 'style="text-indent: 2em;"', heading_split: bool = False,
                skip_title: bool = True) -> str:
    out = []
    for kind, payload in blocks:
        if kind == "title":
            if skip_title:
                continue
            t = esc(payload)
            out.append(f'<p style="text-align: center;"><strong>{t}</strong></p>')
        elif kind == "h":
            out.append(f"<p {p_style}><strong>{esc(payload)}</strong></p>")
        elif kind == "p":
            out.append(f"<p {p_style}>{esc(payload)}</p>")
        elif kind == "table":
            out.append(table_html(payload))
    return "\n".join(out)


def heading_html(title: str, split: bool) -> str:
    """The visible heading; when `split`, cut before 年度报告 with a <br> (PORTALS.md §6.1)."""
    if split and title.endswith("年度报告") and len(title) > 12:
        return esc(title[:-4]) + "<br/>" + esc(title[-4:])
    return esc(title)


def truncate(title: str, n: int) -> str:
    return title if len(title) <= n else title[: n - 1] + "…"


# ---------------------------------------------------------------- building items


def build_report(agency: Agency, year: int, seed: str, *, mode: str | None = None, style: str | None = None,
                 late: bool = False, published: str | None = None, attach_kind: str | None = None,
                 title: str | None = None, allow_image: bool = False) -> Item:
    """One generated report. `mode`: html | html+att | att_only | image (default drawn: ~15 % html,
    ~10 % att_only, else html+att)."""
    rng = rng_for("report", seed, agency.name, year)
    template = template_for(year)
    if style is None:
        style = pick_title_style(rng, year)
    if title is None:
        title = make_title(agency.name, year, style)
    if mode is None:
        mode = weighted(rng, [("html", 15), ("att_only", 10), ("html+att", 75)])
    if mode == "image":
        title = title + "（图片版）"
    if published is None:
        published = pub_date(rng, year, agency.level, late=late)
    split_headers = rng.random() < 0.25
    blocks, values = report_blocks(agency, year, template, rng, title, split_headers)
    item = Item(kind="report", agency=agency, year=year, title=title, published=published, template=template,
                mode=mode, blocks=blocks, values=values, title_style=style,
                heading_split=rng.random() < 0.12, key=f"{seed}:{agency.slug}:{year}")
    if mode == "image":  # the report's own pages, scanned (docs.make_scans)
        for i, (ext, data) in enumerate(docs.make_scans(title, blocks, item.key)):
            item.attachments.append(Attachment(f"{title}（第{i + 1}页）.{ext}", ext, data, role="image"))
    elif mode == "att_only":
        item.attachments.append(Attachment(f"{title}.pdf", "pdf", lambda: docs.make_pdf(title, blocks)))
    elif mode == "html+att":
        ext = attach_kind or weighted(rng, [("pdf", 55), ("docx", 22), ("doc", 13), ("wps", 10)])
        item.attachments.append(make_attachment(title, blocks, ext))
        if rng.random() < 0.12 and template != "pre2019":
            item.attachments.append(Attachment(f"{agency.name}{year}年政府信息公开情况统计表.xls", "xls",
                                               lambda: docs.make_ole_stub("xls", title), signature_only=True,
                                               role="statistics"))
    for i, a in enumerate(item.attachments):
        a.key = f"{item.key}:{mode}:{i}:{a.filename}"
    return item


def make_attachment(title: str, blocks, ext: str, stamp: str | None = None) -> Attachment:
    if ext == "pdf":
        return Attachment(f"{title}.pdf", "pdf", lambda: docs.make_pdf(title, blocks, stamp=stamp))
    if ext == "docx":
        return Attachment(f"{title}.docx", "docx", lambda: docs.make_docx(title, blocks))
    if ext in ("doc", "wps", "xls"):
        return Attachment(f"{title}.{ext}", ext, lambda: docs.make_ole_stub(ext, title), signature_only=True)
    raise ValueError(ext)


def build_negative(kind: str, agency: Agency, city: str, year: int, seed: str, published: str | None = None,
                   with_pdf: bool = False) -> Item:
    rng = rng_for("negative", seed, kind, agency.name, year)
    title = negative_title(kind, agency.name, city, year)
    if published is None:
        published = pub_date(rng, year, agency.level)
    blocks = negative_blocks(kind, title, agency.name, year)
    item = Item(kind="negative", agency=agency, year=year, title=title, published=published, reason=kind,
                blocks=blocks, mode="html", key=f"{seed}:neg:{kind}:{agency.slug}:{year}")
    if with_pdf:
        item.mode = "html+att"
        item.attachments.append(Attachment(f"{title}.pdf", "pdf", lambda: docs.make_pdf(title, blocks),
                                           key=f"{item.key}:pdf"))
    return item


def sort_items(items):
    """Newest first, as CMS lists are (stable on key)."""
    return sorted(items, key=lambda it: (it.published, it.key), reverse=True)
