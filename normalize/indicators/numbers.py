"""Printed numbers in prose: ASCII digits (with thousands commas, decimals) and Chinese numerals.

A printed number is never repaired: "1,234" is 1234, "1.5" (万人次) is 1.5 with its unit as printed.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Optional, Union

from ..labels import dec_to_py

CN = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}

# the regex part for a number (named group n is added by the caller)
NUMBER = r"\d+(?:[,，]\d{3})*(?:\.\d+)?|[零〇一二两三四五六七八九十百千]{1,6}"


def cn_int(s: str) -> Optional[int]:
    """一 … 九千九百九十九 (also 二〇一 style digit strings) -> int; None when it is not a numeral."""
    if not s or any(c not in CN and c not in CN_UNITS for c in s):
        return None
    if not any(c in CN_UNITS for c in s):
        return int("".join(str(CN[c]) for c in s)) if len(s) <= 4 else None
    total, digit = 0, None
    for c in s.replace("零", "").replace("〇", "") if len(s) > 1 else s:
        if c in CN:
            if digit is not None:
                return None  # 二三十: not a numeral
            digit = CN[c]
        else:
            total += (1 if digit is None else digit) * CN_UNITS[c]
            digit = None
    if digit is not None:
        total += digit
    return total


def parse_number(s: str) -> Optional[Union[int, float]]:
    s = s.strip()
    if not s:
        return None
    if s[0].isdigit():
        try:
            return dec_to_py(Decimal(s.replace(",", "").replace("，", "")))
        except InvalidOperation:
            return None
    return cn_int(s)
