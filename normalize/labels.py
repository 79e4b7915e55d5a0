"""Text normalisation, label matching and cell-value parsing.

Pure helpers shared by the layout, section, table and meta parsers. Nothing here knows about
code-book codes: it only turns printed text into comparable keys and printed cells into values.

Label keys
    `norm()` applies NFKC (full-width brackets, digits, punctuation and U+3000 become ASCII / plain),
    removes every whitespace character (labels split across lines, "(一) 予以公开"), and unifies
    quotes and a few look-alike characters. `split_numbering()` separates the numbering a label
    starts with ("一、", "（一）", "(一) ", "1.", "1、", "1．", "第一部分") from the label's core text.

Cell values
    `parse_value()` reads one printed cell: a blank ("", only spaces) is `blank`; "/", "-", "—", "无"
    and similar are `placeholder` (value None, raw kept); a number with an optional unit and an optional
    bracketed remark ("22（其中修订16件）") is `number`; anything else is `text` (value None). A printed
    number is never repaired: "约5" is text, not 5.
"""
from __future__ import annotations

import re
from functools import lru_cache
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from typing import Optional

CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9, "十": 10}

_WS = re.compile(r"[\s\u3000\u00a0\u200b\u200c\u200d\ufeff]+")
_EXTRA_MAP = str.maketrans({
    "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "「": '"', "」": '"',
    "〔": "[", "〕": "]", "【": "[", "】": "]", "﹝": "[", "﹞": "]",
    "−": "-", "–": "-", "﹣": "-",
    "：": ":", "；": ";",
})


def clean_ws(text: str) -> str:
    """Strip surrounding whitespace (incl. U+3000 and NBSP); inner text untouched."""
    s = (text or "").strip()
    if s and (s[0] in _EDGE_MARKS or s[-1] in _EDGE_MARKS):
        return s.strip(_EDGE_MARKS).strip()
    return s  # the common case: nothing more to strip


_EDGE_MARKS = "\u3000\u00a0\u200b\ufeff"


def norm(text: Optional[str]) -> str:
    """Comparable key of a label: NFKC, no whitespace at all, unified quotes and dashes."""
    if not text:
        return ""
    return _norm(text)


@lru_cache(maxsize=65536)  # pure, and called ~3,000 times a document on a few hundred distinct strings
def _norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)
    t = t.translate(_EXTRA_MAP)
    return _WS.sub("", t)


def cn_number(s: str) -> Optional[int]:
    """Small Chinese numerals (一 … 九十九) and ASCII digits to int."""
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if any(c not in CN_DIGITS for c in s):
        return None
    if s == "十":
        return 10
    if "十" in s:
        a, _, b = s.partition("十")
        return (CN_DIGITS[a] if a else 1) * 10 + (CN_DIGITS[b] if b else 0)
    if len(s) == 1:
        return CN_DIGITS[s]
    return None


# Numbering at the start of a normalised label. Order matters: bracketed before bare forms.
_NUM_PATTERNS = [
    ("paren_cn", re.compile(r"^\(([一二三四五六七八九十]{1,3})\)[、.,]?")),
    ("paren_ar", re.compile(r"^\((\d{1,2})\)[、.,]?")),
    ("part", re.compile(r"^第([一二三四五六七八九十]{1,3})(?:部分|章|节)[、.,:]?")),
    ("cn", re.compile(r"^([一二三四五六七八九十]{1,3})[、.,]")),
    ("ar", re.compile(r"^(\d{1,2})(?:[、.,](?!\d)|(?=[^\d.,%]))")),
]


@dataclass(frozen=True)
class Numbered:
    kind: Optional[str]  # 'cn' 一、 | 'paren_cn' （一） | 'ar' 1. / 1、 | 'paren_ar' (1) | 'part' 第一部分 | None
    number: Optional[int]
    core: str  # normalised text after the numbering


@lru_cache(maxsize=65536)
def split_numbering(text: str) -> Numbered:
    """Split a label into its numbering and core text (both from the normalised key)."""
    t = norm(text)
    for kind, rx in _NUM_PATTERNS:
        m = rx.match(t)
        if m:
            core = t[m.end():]
            if kind == "ar" and not core:
                break  # a bare number is a value, not a numbered label
            return Numbered(kind, cn_number(m.group(1)), core.lstrip("、.,:"))
    return Numbered(None, None, t)


_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def strip_parens(key: str) -> str:
    """Drop bracketed explanations from a normalised key ("规章(设区的市…提供相关数据)" -> "规章")."""
    prev = None
    while prev != key:
        prev, key = key, _PARENS.sub("", key)
    return key


@lru_cache(maxsize=262144)
def similarity(a: str, b: str) -> float:
    """Similarity of two normalised keys, 0..1 (difflib ratio; containment of a long key scores high)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    r = SequenceMatcher(None, a, b, autojunk=False).ratio()
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and short in long_:
        r = max(r, 0.9)
    return r


@lru_cache(maxsize=262144)
def label_score(printed: str, reference: str) -> float:
    """How well a printed label matches a code-book label: best of full and bracket-stripped cores."""
    p, r = split_numbering(printed).core, split_numbering(reference).core
    cands = [(p, r), (strip_parens(p), strip_parens(r)), (strip_parens(p), r), (p, strip_parens(r))]
    return max(similarity(x, y) for x, y in cands)


# ---------------------------------------------------------------------------------------------
# Cell values

PLACEHOLDERS = {"/", "\\", "-", "--", "—", "——", "―", "一", "无", "空", "×", "x", "X", "*", "N/A", "n/a",
                "NA", "/件", "不适用", "暂无", "—/—", "不详", "未统计", "无数据", "未填", "无此项"}

_NUM = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_VALUE = re.compile(
    r"^(?P<num>" + _NUM + r")"
    r"(?P<unit>万元|亿元|千元|元|万|件|项|个|条|次|起|份|宗|家|人次|人)?"
    r"(?P<remark>\(.*\)|\[.*\])?$"
)
_BRACKET_UNIT = re.compile(r"(?:单位)?[:]?(万元|亿元|千元|元)")


@dataclass(frozen=True)
class Value:
    kind: str  # 'number' | 'blank' | 'placeholder' | 'text'
    value: Optional[Decimal] = None
    unit: Optional[str] = None  # unit printed with the number ("万元", "元", "件"), or in a bracket "(单位:元)"
    remark: Optional[str] = None  # bracketed text after the number, brackets removed, original spelling

    @property
    def is_valueish(self) -> bool:
        return self.kind in ("number", "blank", "placeholder")


def parse_value(raw: Optional[str]) -> Value:
    """Read one printed cell (see module doc)."""
    return _parse_value(raw or "")


@lru_cache(maxsize=65536)  # pure; Value is frozen, so sharing results is safe
def _parse_value(raw: str) -> Value:
    text = clean_ws(raw or "")
    key = norm(text)
    if not key:
        return Value("blank")
    if key in PLACEHOLDERS or set(key) <= set("/\\-—―_.·*"):
        return Value("placeholder")
    m = _VALUE.match(key)
    if not m:
        return Value("text")
    num = m.group("num").replace(",", "")
    try:
        dec = Decimal(num)
    except InvalidOperation:  # pragma: no cover - regex guarantees a number
        return Value("text")
    unit = m.group("unit")
    remark = None
    if m.group("remark"):
        # keep the printed spelling of the remark: take it from the original text
        rm = re.search(r"[（(\[【〔](.*)[）)\]】〕]\s*$", text, re.S)
        remark = clean_ws(rm.group(1)) if rm else m.group("remark")[1:-1]
        if unit is None:
            bu = _BRACKET_UNIT.fullmatch(norm(remark))
            if bu:
                unit = bu.group(1)
    return Value("number", dec, unit, remark)


_VALUE_WITH_WORDS = re.compile(r"^(约|近|共|计|合计|大约|超过|不足|逾|约计)?[+-]?\d")
_ITEM_NUMBERING = re.compile(r"^\d{1,2}[.、,](?!\d)")


def is_label_cell(cell: str) -> bool:
    """A cell that reads as a label: any non-empty text that is neither a value nor a number with words.

    "1.属于国家秘密" and a damaged "5.▇▇▇" are labels; "约5" and "5件左右" are unreadable values, not labels.
    """
    if not clean_ws(cell):
        return False
    v = parse_value(cell)
    if v.is_valueish:
        return False
    t = norm(cell)
    if _VALUE_WITH_WORDS.match(t) and not _ITEM_NUMBERING.match(t):
        return False
    return True


def dec_to_py(d: Optional[Decimal]):
    """Decimal -> int when integral, else float (exact decimal digits)."""
    if d is None:
        return None
    if d == d.to_integral_value():
        return int(d)
    return float(d.normalize())
