"""metadata.json entries of the pre-2019 indicators (issue 12), merged by ogi/metadata_source.py."""
from __future__ import annotations

from normalize.indicators.db import PANEL_SERIES_SQL  # the one definition, shared with the tests

TABLES = {
    "indicators": ("2019年以前报告的统计指标", "Pre-2019 reports (2008–2018): every statistic the primary document states, "
                   "in prose or in a statistics table, as a coded indicator with its sentence (long table)", {
        "id": ("编号", "Row id"),
        "report_id": ("报告", "Report"),
        "document_id": ("文档", "Document the statement was read from (the report's primary document)"),
        "document_sha256": ("文档哈希", "sha256 of that document's bytes in the archive"),
        "code": ("指标代码", "Indicator code (table codebook_pre2019)"),
        "value": ("数值", "Value as printed (a stated zero such as 未收到申请 is 0); never repaired"),
        "unit": ("单位", "Unit as printed (条, 件, 人次, 元, 万元 …); empty for stated zeros"),
        "period": ("期间", "year (the report year) or cumulative (历年累计)"),
        "raw": ("原文", "The printed statement or cell text (an exact substring of sentence)"),
        "sentence": ("句子", "The sentence it stands in (split at 。；), or the table row as label | unit | cells"),
        "where": ("位置", "text (prose) or table; quote the column name in SQL: \"where\""),
        "family": ("句式类别", "Phrasing family of a prose statement (proactive, requests, replies, disputes, fees, "
                   "catalogue, channels, consultations, resources, responses) or table"),
        "is_primary": ("主值", "1 for the one statement per (report, code, period) that counts: the text statement, "
                       "or the table one when text and table disagree"),
        "conflict": ("冲突", "On a primary: {\"table\": x, \"text\": y} when text and table disagree (also a pre4 check)"),
        "ordinal": ("顺序", "Order of the statement in the document's parse result"),
    }),
    "codebook_pre2019": ("2019年以前报告的指标代码表", "Indicator codes of the pre-2019 reports (stable; only ever extended)", {
        "code": ("代码", "Stable indicator code"),
        "label_zh": ("中文标签", "Chinese label"),
        "label_en": ("英文标签", "English label"),
        "unit": ("单位", "Usual unit"),
        "grp": ("分组", "Group: proactive, catalogue, channels, responses, requests, replies, denial_reasons, "
                "consultations, fees, disputes, resources"),
        "note": ("说明", "Variants of the label, which table the row comes from"),
        "ordinal": ("顺序", "Order in the code book"),
    }),
    "indicator_mapping": ("指标跨模板对照", "Which pre-2019 indicator means the same as which 2019/2021 table cell "
                          "(docs/NOTES.md, issue 12)", {
        "measure": ("指标", "Headline measure (the names of indicators_wide, normalize/headline_measures.csv): requests_new, "
                    "replies_granted, replies_partial, replies_total, admin_review, admin_review_corrected, admin_litigation, fee_amount"),
        "pre2019_code": ("2019年以前代码", "Indicator code of the pre-2019 reports"),
        "layout": ("模板", "2019 or 2021"),
        "tbl": ("表", "t3 or t4 (empty: no equivalent cell)"),
        "row_code": ("行代码", "Row code (table codebook)"),
        "col_code": ("列代码", "Column code (table codebook)"),
        "relation": ("关系", "same (one cell), part_of_sum (the measure is the sum of these cells), none (no cell)"),
        "note": ("说明", "Why, and what differs"),
        "ordinal": ("顺序", "Order in mapping.csv"),
    }),
}

VIEWS = {
    "indicator_series": ("跨模板指标序列", "One value per report and headline measure over all layouts: pre-2019 "
                         "indicators (primary, report year) and 2019/2021 cells through indicator_mapping", {
        "report_id": ("报告", "Report"),
        "agency": ("机关", "Agency as in reports.agency"),
        "year": ("报告年度", "Report year"),
        "template": ("模板", "Layout generation: pre2019, 2019, 2021, unknown"),
        "measure": ("指标", "Headline measure (indicator_mapping.measure)"),
        "value": ("数值", "Value: the primary pre-2019 statement, or the 2019/2021 cell (a sum when the mapping says "
                  "part_of_sum; NULL when a part is blank)"),
        "unit": ("单位", "Unit as printed"),
        "source": ("来源", "indicators (pre-2019 statement) or cells (2019/2021 table)"),
        "raw": ("原文", "Printed text: the statement, or the cells' raw texts joined by ' + '"),
    }),
}

# The `indicator_series` view with the agency filter inside each branch: filtered outside, the view's
# GROUP BY ran over every report of the corpus (~1 s at 100,000 reports; issue 9). A test checks that it
# returns what the view returns.
AGENCY_SERIES_SQL = """
select year, template, measure, value, unit, source, raw from (
  select r.year, r.template, m.measure, i.value, i.unit, 'indicators' as source, i.raw
  from reports r join indicators i on i.report_id = r.id and i.is_primary = 1 and i.period = 'year'
  join (select distinct measure, pre2019_code from indicator_mapping) m on m.pre2019_code = i.code
  where r.agency = :agency
  union all
  select r.year, r.template, m.measure,
    case when count(c.value) = (select count(*) from indicator_mapping x where x.measure = m.measure and x.layout = m.layout)
         then sum(c.value) end,
    max(c.unit), 'cells', group_concat(c.raw, ' + ')
  from reports r join indicator_mapping m on m.layout = r.template and m.tbl is not null
  join cells c on c.report_id = r.id and c.tbl = m.tbl and c.row_code = m.row_code and c.col_code = m.col_code
  where r.agency = :agency
  group by r.id, m.measure)
where measure = coalesce(nullif(:measure, ''), 'requests_new')
order by year
"""

QUERIES = {
    "agency_indicator_series": {
        "title": "一个机关的时间序列 One agency's series across layouts",
        "description": "Requests received (or another measure) per year for one agency, pre-2019 prose and tables "
                       "and the 2019/2021 tables alike.",
        "sql": AGENCY_SERIES_SQL.strip(),
    },
    "agency_panel_series": {
        "title": "面板中的跨模板序列 One agency's series in the panel",
        "description": "The same series read from the panel: pre-2019 statements (tbl pre2019) and 2019/2021 cells "
                       "joined through indicator_mapping (a summed measure shows its parts).",
        "sql": PANEL_SERIES_SQL.strip(),
    },
    "pre2019_conflicts": {
        "title": "文字与统计表不一致 Pre-2019 text and table disagree",
        "description": "Pre-2019 reports whose prose states another value than their statistics table.",
        # CROSS JOIN: the few conflicting statements drive the join (the planner walked every report)
        "sql": ("select i.report_id, r.agency, r.year, i.code, i.conflict, i.sentence\n"
                "from indicators i cross join reports r on r.id = i.report_id\n"
                "where i.conflict is not null order by r.year, r.agency"),
    },
}

FACETS = {"indicators": ["code", "period", "where", "family"], "codebook_pre2019": ["grp"]}
