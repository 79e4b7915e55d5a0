"""The overview dashboard (datasette-dashboards 0.8, Vega-Lite bundled in the wheel: works offline).

Written into metadata.json by ogi/metadata_source.py. Every chart query takes the optional filters
year, level, province and template ([[ … ]] blocks are dropped when a filter is empty). Charts and filters
read the build's sums (dashboard_cube, dashboard_rule_cube: a few thousand rows), never the cells: summing
every cell took 6 s a dashboard at 100,000 reports (issue 9).
"""
from __future__ import annotations

DB = "ogi"
FILTERS = "[[ and r.year = :year ]] [[ and r.level = :level ]] [[ and r.province = :province ]] [[ and r.template = :template ]]"


LEVEL_ZH = ("case r.level when 'national' then '中央' when 'province' then '省级' when 'city' then '地市级' "
            "when 'county' then '县级' when 'township' then '乡镇' when 'department' then '部门' else coalesce(r.level, '?') end")

# Every chart reads `dashboard_cube` / `dashboard_rule_cube` (sums by year, level, province and template made
# at build time by normalize/site_tables.py) under the alias r, so the filters above apply unchanged; the same
# figures from the cells themselves are in tests/e2e/test_site_pages.py (a test compares the two).
CUBE = "dashboard_cube r"
OUTCOMES = ("(select 1 as k, '1 予以公开' as outcome union all select 2, '2 部分公开' union all select 3, '3 不予公开' "
            "union all select 4, '4 无法提供' union all select 5, '5 不予处理' union all select 6, '6 其他处理') o")
OUTCOME_SUM = ("case o.k when 1 then r.granted when 2 then r.partially_granted when 3 then r.denied "
               "when 4 then r.unavailable when 5 then r.not_processed else r.other_outcome end")
LAWSUITS = "(select 1 as k, '行政复议' as kind union all select 2, '直接起诉' union all select 3, '复议后起诉') o"
LAWSUIT_SUM = "case o.k when 1 then r.review when 2 then r.suit_direct else r.suit_after_review end"

CHARTS = {
    "reports": {
        "title": "报告数 Reports", "library": "metric",
        "query": f"select coalesce(sum(r.reports), 0) as n from {CUBE} where 1=1 {FILTERS}",
        "display": {"field": "n", "suffix": " 份"},
    },
    "failing_reports": {
        "title": "自相矛盾的报告 Reports failing a hard check", "library": "metric",
        "query": f"select coalesce(sum(r.failing_reports), 0) as n from {CUBE} where 1=1 {FILTERS}",
        "display": {"field": "n", "suffix": " 份"},
    },
    "requests_by_level": {
        "title": "各年新收申请数（按层级） Requests received per year by level", "library": "vega-lite",
        "query": ("select r.year, " + LEVEL_ZH + " as level, sum(r.new_received) as requests, sum(r.new_received_n) as reports\n"
                  f"from {CUBE}\n"
                  f"where r.new_received_n > 0 {FILTERS}\n"
                  "group by r.year, r.level order by r.year"),
        "display": {"mark": {"type": "bar", "tooltip": True},
                    "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度"},
                                 "y": {"field": "requests", "type": "quantitative", "title": "新收申请（件）"},
                                 "color": {"field": "level", "type": "nominal", "title": "层级"}}},
    },
    "outcome_mix": {
        "title": "办理结果构成 Outcome mix", "library": "vega-lite",
        "query": (f"select r.year, o.outcome, sum({OUTCOME_SUM}) as n\n"
                  f"from {CUBE}, {OUTCOMES}\n"
                  f"where 1=1 {FILTERS}\n"
                  "group by r.year, o.outcome having n is not null order by r.year, o.outcome"),
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
        "query": ("select r.year, round(1.0 * sum(r.share_granted) / sum(r.share_total), 4) as share, "
                  "sum(r.share_reports) as reports\n"
                  f"from {CUBE}\n"
                  f"where r.share_reports > 0 {FILTERS}\n"
                  "group by r.year order by r.year"),
        "display": {"mark": {"type": "line", "point": True, "tooltip": True},
                    "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度"},
                                 "y": {"field": "share", "type": "quantitative", "axis": {"format": "%"},
                                       "title": "予以公开 ÷ 总计"}}},
    },
    "reviews_lawsuits": {
        "title": "行政复议与行政诉讼 Reviews and lawsuits", "library": "vega-lite",
        "query": (f"select r.year, o.kind, sum({LAWSUIT_SUM}) as n\n"
                  f"from {CUBE}, {LAWSUITS}\n"
                  f"where 1=1 {FILTERS}\n"
                  "group by r.year, o.k having n is not null order by r.year"),
        "display": {"mark": {"type": "line", "point": True, "tooltip": True},
                    "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度"},
                                 "y": {"field": "n", "type": "quantitative", "title": "件"},
                                 "color": {"field": "kind", "type": "nominal", "title": ""}}},
    },
    "coverage": {
        "title": "覆盖范围：省份 × 年度 Coverage by province and year", "library": "vega-lite",
        "query": ("select coalesce(nullif(r.province, ''), '（未定位）') as province, r.year, sum(r.reports) as reports\n"
                  f"from {CUBE} where r.year is not null {FILTERS}\n"
                  "group by province, r.year order by province, r.year"),
        "display": {"mark": {"type": "rect", "tooltip": True},
                    "encoding": {"x": {"field": "year", "type": "ordinal", "title": "年度"},
                                 "y": {"field": "province", "type": "nominal", "title": "省份"},
                                 "color": {"field": "reports", "type": "quantitative", "title": "报告数"}}},
    },
    "failing_checks": {
        "title": "未通过的校验（按规则） Failing checks by rule", "library": "vega-lite",
        "query": ("select r.rule || ' ' || coalesce(u.name_zh, '') as rule, r.year, sum(r.n) as n\n"
                  "from dashboard_rule_cube r left join rules u on u.id = r.rule\n"
                  f"where 1=1 {FILTERS}\n"
                  "group by r.rule, r.year order by r.year"),
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
                     "query": "select distinct year from dashboard_cube where year is not null order by year desc"},
            "level": {"name": "层级 Level", "type": "select", "db": DB,
                      "query": "select distinct level from dashboard_cube where level is not null order by level"},
            "province": {"name": "省份 Province", "type": "select", "db": DB,
                         "query": "select distinct province from dashboard_cube where province is not null and province != '' order by province"},
            "template": {"name": "格式 Template", "type": "select", "db": DB,
                         "query": "select distinct template from dashboard_cube where template is not null order by template"},
        },
        "charts": {slug: dict(chart, db=DB) if "query" in chart else chart for slug, chart in CHARTS.items()},
    }
}
