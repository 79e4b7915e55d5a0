"""The overview dashboard (datasette-dashboards 0.8, Vega-Lite bundled in the wheel: works offline).

Written into metadata.json by ogi/metadata_source.py. Every chart query takes the optional filters
year, level, province and template ([[ … ]] blocks are dropped when a filter is empty).
"""
from __future__ import annotations

DB = "ogi"
FILTERS = "[[ and r.year = :year ]] [[ and r.level = :level ]] [[ and r.province = :province ]] [[ and r.template = :template ]]"


def _t3(row_codes: str) -> str:
    return f"c.tbl = 't3' and c.col_code = 'total' and c.row_code {row_codes}"


LEVEL_ZH = ("case r.level when 'national' then '中央' when 'province' then '省级' when 'city' then '地市级' "
            "when 'county' then '县级' when 'township' then '乡镇' when 'department' then '部门' else coalesce(r.level, '?') end")
NEW_RECEIVED = _t3("= 'new_received'")
OUTCOME_GROUPS = """case
      when c.row_code = 'granted' then '1 予以公开'
      when c.row_code = 'partially_granted' then '2 部分公开'
      when c.row_code like 'denied%' then '3 不予公开'
      when c.row_code like 'unavailable%' then '4 无法提供'
      when c.row_code like 'not_processed%' then '5 不予处理'
      when c.row_code like 'other%' then '6 其他处理' end"""

CHARTS = {
    "reports": {
        "title": "报告数 Reports", "library": "metric",
        "query": f"select count(*) as n from reports r where 1=1 {FILTERS}",
        "display": {"field": "n", "suffix": " 份"},
    },
    "failing_reports": {
        "title": "自相矛盾的报告 Reports failing a hard check", "library": "metric",
        "query": f"select count(*) as n from reports r where r.checks_failed > 0 {FILTERS}",
        "display": {"field": "n", "suffix": " 份"},
    },
    "requests_by_level": {
        "title": "各年新收申请数（按层级） Requests received per year by level", "library": "vega-lite",
        "query": ("select r.year, " + LEVEL_ZH + " as level, sum(c.value) as requests, count(*) as reports\n"
                  "from cells c join reports r on r.id = c.report_id\n"
                  f"where {NEW_RECEIVED} and c.value is not null {FILTERS}\n"
                  "group by r.year, r.level order by r.year"),
        "display": {"mark": {"type": "bar", "tooltip": True},
                    "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度"},
                                 "y": {"field": "requests", "type": "quantitative", "title": "新收申请（件）"},
                                 "color": {"field": "level", "type": "nominal", "title": "层级"}}},
    },
    "outcome_mix": {
        "title": "办理结果构成 Outcome mix", "library": "vega-lite",
        "query": (f"select r.year, {OUTCOME_GROUPS} as outcome, sum(c.value) as n\n"
                  "from cells c join reports r on r.id = c.report_id\n"
                  f"where c.tbl = 't3' and c.col_code = 'total' and c.value is not null {FILTERS}\n"
                  "group by r.year, outcome having outcome is not null order by r.year, outcome"),
        "display": {"mark": {"type": "bar", "tooltip": True},
                    "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度"},
                                 "y": {"field": "n", "type": "quantitative", "stack": "normalize", "title": "占比"},
                                 "color": {"field": "outcome", "type": "nominal", "title": "办理结果"}}},
    },
    "share_granted_definition": {
        "library": "markdown",
        "display": ("**公开比例 Share granted** = Σ（一）予以公开 ÷ Σ（七）总计，表三“总计”列，"
                    "只计两者都印出数字的报告（空白不按0计）。\n\n"
                    "Share granted = sum of 予以公开 over sum of （七）总计 (table 3, total column), over the reports "
                    "that print both numbers; blank cells are not zero."),
    },
    "share_granted": {
        "title": "公开比例 Share granted", "library": "vega-lite",
        "query": ("select r.year, round(1.0 * sum(g.value) / sum(t.value), 4) as share, count(*) as reports\n"
                  "from reports r\n"
                  "join cells g on g.report_id = r.id and g.tbl = 't3' and g.row_code = 'granted' and g.col_code = 'total'\n"
                  "join cells t on t.report_id = r.id and t.tbl = 't3' and t.row_code = 'total_processed' and t.col_code = 'total'\n"
                  f"where g.value is not null and t.value > 0 {FILTERS}\n"
                  "group by r.year order by r.year"),
        "display": {"mark": {"type": "line", "point": True, "tooltip": True},
                    "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度"},
                                 "y": {"field": "share", "type": "quantitative", "axis": {"format": "%"},
                                       "title": "予以公开 ÷ 总计"}}},
    },
    "reviews_lawsuits": {
        "title": "行政复议与行政诉讼 Reviews and lawsuits", "library": "vega-lite",
        "query": ("select r.year, case c.row_code when 'review' then '行政复议' when 'suit_direct' then '直接起诉'"
                  " else '复议后起诉' end as kind, sum(c.value) as n\n"
                  "from cells c join reports r on r.id = c.report_id\n"
                  f"where c.tbl = 't4' and c.col_code = 'total' and c.value is not null {FILTERS}\n"
                  "group by r.year, c.row_code order by r.year"),
        "display": {"mark": {"type": "line", "point": True, "tooltip": True},
                    "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度"},
                                 "y": {"field": "n", "type": "quantitative", "title": "件"},
                                 "color": {"field": "kind", "type": "nominal", "title": ""}}},
    },
    "coverage": {
        "title": "覆盖范围：省份 × 年度 Coverage by province and year", "library": "vega-lite",
        "query": ("select coalesce(nullif(r.province, ''), '（未定位）') as province, r.year, count(*) as reports\n"
                  f"from reports r where r.year is not null {FILTERS}\n"
                  "group by province, r.year order by province, r.year"),
        "display": {"mark": {"type": "rect", "tooltip": True},
                    "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度"},
                                 "y": {"field": "province", "type": "nominal", "title": "省份"},
                                 "color": {"field": "reports", "type": "quantitative", "title": "报告数"}}},
    },
    "failing_checks": {
        "title": "未通过的校验（按规则） Failing checks by rule", "library": "vega-lite",
        "query": ("select k.rule || ' ' || coalesce(u.name_zh, '') as rule, r.year, count(*) as n\n"
                  "from checks k join reports r on r.id = k.report_id left join rules u on u.id = k.rule\n"
                  f"where k.status in ('fail', 'warn') {FILTERS}\n"
                  "group by k.rule, r.year order by r.year"),
        "display": {"mark": {"type": "bar", "tooltip": True},
                    "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度"},
                                 "y": {"field": "n", "type": "quantitative", "title": "未通过/提示"},
                                 "color": {"field": "rule", "type": "nominal", "title": "规则"}}},
    },
}

DASHBOARDS = {
    "overview": {
        "title": "政府信息公开年度报告看板 Overview",
        "description": "Requests, outcomes, reviews and lawsuits, coverage and data-quality checks of the corpus. "
                       "Numbers are sums over the reports that print them; blank cells are not zero.",
        "layout": [
            ["reports", "failing_reports"],
            ["requests_by_level", "outcome_mix"],
            ["share_granted_definition", "share_granted"],
            ["reviews_lawsuits", "failing_checks"],
            ["coverage", "coverage"],
        ],
        "filters": {
            "year": {"name": "年度 Year", "type": "select", "db": DB,
                     "query": "select distinct year from reports where year is not null order by year desc"},
            "level": {"name": "层级 Level", "type": "select", "db": DB,
                      "query": "select distinct level from reports where level is not null order by level"},
            "province": {"name": "省份 Province", "type": "select", "db": DB,
                         "query": "select distinct province from reports where province is not null and province != '' order by province"},
            "template": {"name": "格式 Template", "type": "select", "db": DB,
                         "query": "select distinct template from reports where template is not null order by template"},
        },
        "charts": {slug: dict(chart, db=DB) if "query" in chart else chart for slug, chart in CHARTS.items()},
    }
}
