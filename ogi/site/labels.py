"""Chinese labels of coded values (facets, report page). Codes of table rows/columns and rules come
from the database (`codebook`, `rules`); the rest are fixed vocabularies of the schema."""
from __future__ import annotations

FIXED: dict[str, dict[str, str]] = {
    "level": {"national": "中央", "province": "省级", "city": "地市级", "county": "县级", "township": "乡镇",
              "department": "部门"},
    "template": {"2019": "2019年格式", "2021": "2021年格式", "pre2019": "2019年以前格式", "unknown": "未识别"},
    "t3_rows": {"2019": "2019年行集", "2021": "2021年行集"},
    "status": {"current": "现行", "removed": "已撤下", "pass": "通过", "fail": "未通过", "warn": "提示",
               "not_assessable": "无法校验"},
    "tbl": {"t2": "表二 主动公开", "t3": "表三 依申请公开", "t4": "表四 复议诉讼"},
    "kind": {"prose": "正文", "table": "表格文字", "row": "行", "column": "列"},
    "role": {"report_page": "报告页面", "attachment": "附件"},
    "parse_status": {"ok": "正常", "error": "出错", "needs_ocr": "需OCR"},
    "format": {"html": "网页", "pdf": "PDF", "docx": "Word (DOCX)", "doc": "Word (DOC)", "wps": "WPS",
               "text": "纯文本", "image": "图片"},
    "code": {"overview": "总体情况", "proactive": "主动公开政府信息情况", "requests": "收到和处理政府信息公开申请情况",
             "review_litigation": "行政复议、行政诉讼情况", "problems": "存在的主要问题及改进情况",
             "other": "其他需要报告的事项", "fees": "收费及减免情况"},
}
FIXED["level_check"] = {"hard": "硬校验（恒等式）", "soft": "软校验（提示）"}


def build_labels(codebook_rows: list[dict], rule_rows: list[dict]) -> dict[str, dict[str, str]]:
    labels = {k: dict(v) for k, v in FIXED.items()}
    rows, cols = {}, {}
    for e in codebook_rows:
        target = rows if e["kind"] == "row" else cols
        target.setdefault(e["code"], e["label_zh"])
    labels["row_code"] = rows
    labels["col_code"] = cols
    labels["rule"] = {str(r["id"]): r["name_zh"] for r in rule_rows}
    return labels


def label_for(labels: dict, column: str, value, table: str | None = None) -> str | None:
    if value is None:
        return None
    key = "level_check" if column == "level" and table == "checks" else column
    return labels.get(key, {}).get(str(value))
