"""Label normalisation, numbering, similarity and value parsing."""
from __future__ import annotations

from decimal import Decimal

import pytest

from normalize import codebook
from normalize.labels import (is_label_cell, label_score, norm, parse_value, split_numbering, strip_parens)
from normalize.tables import match_t3_row


@pytest.mark.parametrize("text,kind,number,core", [
    ("一、本年新收政府信息公开申请数量", "cn", 1, "本年新收政府信息公开申请数量"),
    ("（一）予以公开", "paren_cn", 1, "予以公开"),
    ("(一)予以公开", "paren_cn", 1, "予以公开"),
    ("(一) 予以公开", "paren_cn", 1, "予以公开"),
    ("（三）\n不予\n公开", "paren_cn", 3, "不予公开"),
    ("1.属于国家秘密", "ar", 1, "属于国家秘密"),
    ("1、属于国家秘密", "ar", 1, "属于国家秘密"),
    ("1．属于国家秘密", "ar", 1, "属于国家秘密"),
    ("1 . 属于国家秘密", "ar", 1, "属于国家秘密"),
    ("第一部分 总体情况", "part", 1, "总体情况"),
    ("三、\n本\n年\n度\n办\n理\n结\n果", "cn", 3, "本年度办理结果"),
    ("规章", None, None, "规章"),
])
def test_parse_split_numbering(text, kind, number, core):
    n = split_numbering(text)
    assert (n.kind, n.number, n.core) == (kind, number, core)


def test_parse_norm_unifies_width_and_space():
    assert norm("（二）部分公开（区分处理的，只计这一情形，不计其他情形）") == \
        norm("(二) 部分公开(区分处理的, 只计这一情形, 不计其他情形)")
    assert norm("\u3000\u30000\xa0") == "0"
    assert strip_parens(norm("规章（设区的市、自治州人民政府应提供相关数据）")) == "规章"


@pytest.mark.parametrize("printed,reference", [
    ("2.其他法律行政止公开", "2.其他法律行政法规禁止公开"),
    ("5.属于三类内部事务信息", "5.属于三类内部事务信息"),
    ("行政规范性文件", "规范性文件"),
    ("规章（设区的市、自治州人民政府应提供相关数据）", "规章"),
])
def test_parse_label_score_tolerates_variants(printed, reference):
    assert label_score(printed, reference) >= 0.8


@pytest.mark.parametrize("printed,group,template,code", [
    ("(六) 其他", None, "2019", "other"),                 # abbreviated label
    ("3.其他", "other", "2021", "other_misc"),
    ("1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "other", "2021", "other_no_correction"),
    ("2.申请人逾期未按收费通知要求缴纳费用", "other", "2021", "other_fee_unpaid"),
    ("1.本机关不掌握相关政府信息", "unavailable", "2019", "unavailable_not_held"),
    ("2.重复申请", "not_processed", "2019", "not_processed_duplicate"),
    ("（七）总计", "三", "2021", "total_processed"),
    ("四、结转下年度继续办理", None, "2019", "carried_forward"),
    ("2.其他法律行政止公开", "denied", "2019", "denied_prohibited"),
])
def test_parse_match_t3_row(printed, group, template, code):
    got, score, how = match_t3_row([printed], group, template)
    assert got == code


@pytest.mark.parametrize("raw,kind,value,unit,remark", [
    ("0", "number", Decimal(0), None, None),
    ("\u3000\u30000", "number", Decimal(0), None, None),
    ("-18", "number", Decimal(-18), None, None),
    ("－18", "number", Decimal(-18), None, None),
    ("1,234", "number", Decimal(1234), None, None),
    ("22（其中修订16件）", "number", Decimal(22), None, "其中修订16件"),
    ("55（含自然失效29件）", "number", Decimal(55), None, "含自然失效29件"),
    ("4844万元", "number", Decimal(4844), "万元", None),
    ("5728300（单位：元）", "number", Decimal(5728300), "元", "单位：元"),
    ("3件", "number", Decimal(3), "件", None),
    ("0.000000", "number", Decimal("0.000000"), None, None),
    ("", "blank", None, None, None),
    ("\xa0", "blank", None, None, None),
    ("/", "placeholder", None, None, None),
    ("—", "placeholder", None, None, None),
    ("无", "placeholder", None, None, None),
    ("-", "placeholder", None, None, None),
    ("约5", "text", None, None, None),
])
def test_parse_values(raw, kind, value, unit, remark):
    v = parse_value(raw)
    assert (v.kind, v.value, v.unit, v.remark) == (kind, value, unit, remark)


@pytest.mark.parametrize("cell,is_label", [
    ("1.属于国家秘密", True), ("5.▇▇▇", True), ("（三）不予公开", True), ("规章", True),
    ("0", False), ("约5", False), ("5件左右", False), ("", False), ("/", False), ("22（其中修订16件）", False),
])
def test_parse_is_label_cell(cell, is_label):
    assert is_label_cell(cell) is is_label


def test_parse_codebook_shapes():
    assert len(codebook.rows("t3", "2019")) == 23 and len(codebook.rows("t3", "2021")) == 25
    assert codebook.column_codes("t3", "2021") == ["natural_person", "commercial", "research", "social_welfare",
                                                   "legal_services", "other_org", "total"]
    assert codebook.t2_row_columns("2021")["fees"] == ("amount",)
    assert codebook.t2_row_columns("2019")["fees"] == ("prev_items", "change")
    assert codebook.t2_row_columns("2019")["procurement"] == ("projects", "amount")
    assert codebook.label("t2", "row", "normative_documents", "2021") == "行政规范性文件"


def test_clean_ws_strips_whitespace_and_marks_in_any_order():
    """clean_ws's fast path (nothing to strip but whitespace) gives what the three strips give."""
    import random

    from normalize.labels import clean_ws

    def three_strips(t):
        return (t or "").strip().strip("\u3000\u00a0\u200b\ufeff").strip()

    rnd = random.Random(3)
    alphabet = [" ", "\u3000", "\u00a0", "\u200b", "\ufeff", "\t", "\n", "a", "中"]
    for _ in range(20000):
        t = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 6)))
        assert clean_ws(t) == three_strips(t), repr(t)
    assert clean_ws(None) == "" and clean_ws("\u200b 本年 \ufeff") == "本年"
