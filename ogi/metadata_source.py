"""Source of metadata.json (descriptions of every table and column in Chinese and English, canned
queries, facets, full-text search). `python -m ogi.metadata_source` rewrites metadata.json; a test
checks that metadata.json is current and that it describes every column of the built schema."""
from __future__ import annotations

import json
from pathlib import Path

from ogi.site.dashboards import DASHBOARDS
from ogi.site.search import prose_then_tables
from normalize.site_tables import FACETED

REPO = Path(__file__).resolve().parent.parent


def _measures() -> list[tuple[str, str, str, str]]:
    import csv

    with open(REPO / "normalize" / "headline_measures.csv", encoding="utf-8") as fh:
        return [(r["measure"], r["label_zh"], r["label_en"], r["unit"]) for r in csv.DictReader(fh)]


MEASURES = _measures()

TABLES = {
    "sites": ("门户网站（爬取入口）", "Portal sites (crawl entry points) from the registry", {
        "id": ("站点编号", "Site id in the registry"),
        "name": ("名称", "Registry name of the entry point"),
        "agency": ("机关", "Agency that runs the site"),
        "level": ("层级", "Administrative level: national, province, city, county, township, department"),
        "region": ("地区", "Region (province / city / county name)"),
        "family": ("网站系统", "CMS family the spider uses: trs-wcm, hanweb-jcms, gd-gkmlpt, ucap, province-platform"),
        "entry_urls": ("入口地址", "Entry URLs (JSON list)"),
        "enabled": ("是否启用", "1 when the site is crawled; 0 when switched off in the registry"),
        "disabled_reason": ("停用原因", "Why the site is switched off"),
        "expected_min_reports": ("预期最少报告数", "Minimum number of reports a run must find here; fewer is an error"),
        "last_run_status": ("最近一次爬取状态", "Status in the latest crawl run: ok, error, blocked, disabled"),
        "last_run_reports": ("最近一次爬取报告数", "Distinct reports found in the latest crawl run"),
    }),
    "crawl_runs": ("爬取记录", "Crawl runs and their totals", {
        "run_id": ("运行编号", "Run id (UTC start time and process id)"),
        "started_at": ("开始时间", "Start time (UTC, ISO 8601)"),
        "finished_at": ("结束时间", "End time (UTC, ISO 8601)"),
        "sites": ("站点数", "Registry rows in the run"),
        "reports": ("报告数", "Distinct reports (agency, year) found"),
        "report_pages": ("报告页面数", "Report detail pages fetched"),
        "attachments": ("附件数", "Attachments fetched"),
        "negatives": ("排除条目数", "Listed items rejected as not being annual reports"),
        "requests": ("请求数", "HTTP requests sent"),
        "request_failures": ("失败请求数", "Requests that failed after retries"),
        "errors": ("错误", "Run errors (JSON), e.g. a site with zero reports"),
        "blocked_hosts": ("被拦截主机", "Hosts that answered with an anti-bot challenge (JSON)"),
    }),
    "reports": ("年度报告", "One row per annual report: identity is (agency_id, report year) across sites, columns and formats", {
        "id": ("报告编号", "Report id: agency_id-year (stable across rebuilds)"),
        "agency": ("机关", "Canonical name of the agency that published the report (see agencies)"),
        "agency_id": ("机关编号", "Stable agency id (agencies.agency_id): GB/T 2260 code and a hash of the canonical name and scope"),
        "scope": ("范围", "own (本级: the agency's own work) or area_summary (全区/全市汇总: a whole area's summary); sum only own reports by level"),
        "agency_as_printed": ("原题机关名", "Agency name as the primary title (or body) printed it, before alias resolution"),
        "year": ("报告年度", "Report year (from the title, else the 统计期限; never a URL or folder date)"),
        "title": ("标题", "Title as published"),
        "source_url": ("来源网址", "URL of the report page"),
        "published": ("发布日期", "Publication date (YYYY-MM-DD)"),
        "template": ("模板", "Layout generation: pre2019, 2019 (国办公开办函〔2019〕60号), 2021 (〔2021〕30号), unknown"),
        "t3_rows": ("表三行集", "Row set of table 3: 2019 (single （六）) or 2021 (（六） with three sub-items)"),
        "level": ("层级", "Administrative level of the agency's jurisdiction (agencies.level): national, province, city, county, township"),
        "region": ("地区", "Leading place names of the agency name (whole place names, never cut mid-word), else the registry row's region"),
        "province": ("省级", "Province of the agency (GB/T 2260 division of the report year; else the province of the registry row's region)"),
        "city": ("地级", "Prefecture-level city of the agency (GB/T 2260)"),
        "county": ("县级", "County-level division of the agency (GB/T 2260)"),
        "region_code": ("行政区划代码", "Most specific GB/T 2260 code found for the agency (6 digits), for joins with other data"),
        "site_id": ("站点", "Site the report was found on"),
        "primary_document": ("主文档", "Document whose tables are published: among documents not superseded by a revision, the most cells, then most sections, attachment before page, then the smallest document id (docs/NOTES.md)"),
        "documents": ("文档数", "Documents (page, attachments, revisions) of this report"),
        "cells": ("单元格数", "Table cells extracted from the primary document"),
        "checks_failed": ("未通过的硬校验", "Hard arithmetic identities that fail (the report contradicts itself)"),
        "checks_not_assessable": ("无法校验", "Hard identities not assessable because a participating cell is blank"),
        "needs_ocr": ("需OCR", "1 when the report is a scan without a text layer"),
        "first_seen": ("首次发现", "First time a document of the report was fetched (UTC)"),
        "last_seen": ("最近发现", "Last time a document of the report was fetched, or found still listed by an incremental run (UTC)"),
        "status": ("状态", "current, or removed when the latest fully successful run of its site no longer found it"),
        "label": ("名称", "Agency and report year (label of links to a report, kept by CSV _labels)"),
    }),
    "documents": ("文档", "Every archived report page and attachment", {
        "id": ("文档编号", "Document id (hash of URL and content)"),
        "sha256": ("内容哈希（SHA-256）", "sha256 of the archived bytes (the raw archive's file name)"),
        "url": ("网址", "URL fetched"),
        "final_url": ("最终网址", "URL after redirects"),
        "site_id": ("站点", "Site id"),
        "role": ("角色", "report_page or attachment, as the crawler fetched it"),
        "report_role": ("在报告中的角色", "page (the report page of the primary's crawl item), attachment (its attachment), copy (the same report at another URL, column or site), revision (an older version at the same URL, see superseded_by)"),
        "superseded_by": ("被修订版取代", "For an older version of a revised document: the document that supersedes it (both stay queryable)"),
        "parent_url": ("所属页面", "For attachments: the report page that links it"),
        "format": ("格式", "Real format sniffed from the bytes: html, pdf, docx, doc, wps, text, image…"),
        "size": ("大小", "Size in bytes"),
        "text_sha256": ("文本哈希", "sha256 of the whitespace-free text: equal for re-stamped copies"),
        "title": ("标题", "Title of the page or attachment name"),
        "report_id": ("报告", "Report this document belongs to"),
        "is_primary": ("主文档", "1 for the report's primary document"),
        "duplicate_of": ("重复于", "Earlier document with the same text (re-stamped copy)"),
        "parse_status": ("解析状态", "ok, error (see issues) or needs_ocr"),
        "template": ("模板", "Layout generation detected in this document"),
        "cells": ("单元格数", "Table cells found in this document"),
        "pages": ("页数", "Pages, where the format has pages"),
        "first_seen": ("首次抓取", "First fetch (UTC)"),
        "last_seen": ("最近抓取", "Latest fetch, or latest incremental run that found it still listed (UTC)"),
        "http_status": ("HTTP状态", "HTTP status of the fetch"),
    }),
    "sections": ("章节", "The six sections' text of each report", {
        "id": ("编号", "Row id"),
        "report_id": ("报告", "Report"),
        "document_id": ("文档", "Document the text comes from"),
        "ordinal": ("顺序", "Order in the report"),
        "code": ("章节代码", "overview, proactive, requests, review_litigation, problems, other; fees (收费及减免) in pre-2019 reports"),
        "name_zh": ("章节名称", "Standard Chinese heading of the section"),
        "text": ("正文", "Section text as printed"),
    }),
    "cells": ("表格数据", "Every printed number of tables 2–4, with its raw text and where it was printed", {
        "id": ("编号", "Row id"),
        "report_id": ("报告", "Report"),
        "document_id": ("文档", "Document the cell was read from"),
        "tbl": ("表", "t2 主动公开, t3 依申请公开, t4 复议诉讼"),
        "row_code": ("行代码", "Row code from the code book"),
        "col_code": ("列代码", "Column code from the code book"),
        "value": ("数值", "Parsed value; NULL when the cell is blank or not a number (blank is not zero); money in 万元"),
        "raw": ("原文", "Cell text exactly as printed"),
        "unit": ("单位", "Unit: 件, 项, 万元"),
        "remark": ("备注", "Remark printed in the cell, e.g. 其中修订16件"),
        "page": ("页码", "Page number where the format has pages"),
        "table_index": ("表序号", "Index of the table in the document (0-based)"),
        "grid_row": ("网格行", "Row in the table grid (0-based, spans expanded)"),
        "grid_col": ("网格列", "Column in the table grid (0-based, spans expanded)"),
        "ocr_conf": ("识别置信度", "OCR recognition score 0–1 of a cell read from an image or scan (NULL: read from text); "
                     "under 0.80 the cell is flagged in issues (ocr_low_confidence)"),
        "ocr_box": ("识别位置", "Where on the page image the OCR read the cell: [x0, y0, x1, y1] in PDF points (JSON)"),
    }),
    "checks": ("数据校验", "Arithmetic identities (hard) and cross-checks (soft) of each report", {
        "id": ("编号", "Row id"),
        "report_id": ("报告", "Report"),
        "document_id": ("文档", "Document checked"),
        "rule": ("规则", "Identity or check name (FORMATS.md 1–10)"),
        "level": ("级别", "hard (identity) or soft (warning)"),
        "status": ("结果", "pass, fail, or not_assessable (a participating cell is blank)"),
        "scope": ("范围", "Column, row or group the check applies to"),
        "expected": ("应为", "Value the identity requires (computed from the other cells)"),
        "found": ("实为", "Value printed in the report"),
        "message": ("说明（英文）", "Explanation in English"),
        "message_zh": ("说明", "Explanation in Chinese: the rule, the formula, expected and printed values"),
        "cells": ("涉及单元格", "Cells the check reads, as JSON list of table.row.column references (e.g. t3.granted.total)"),
        "page": ("页码", "First page on which those cells are printed (formats with pages)"),
    }),
    "issues": ("问题记录", "Problems met reading documents: unreadable files, unplaced cells, missing identity", {
        "id": ("编号", "Row id"),
        "document_id": ("文档", "Document"),
        "report_id": ("报告", "Report (when known)"),
        "url": ("网址", "URL of the document"),
        "level": ("级别", "error or warning"),
        "rule": ("类型", "Short code, e.g. encrypted_pdf, needs_ocr, unplaced_cell, no_report_identity, agency_merge_undecided (a merge of agency names the rules cannot justify: not made), report_copies_disagree"),
        "message": ("说明", "What went wrong"),
    }),
    "codebook": ("代码表", "Stable codes of every table row and column", {
        "tbl": ("表", "t2, t3, t4"),
        "kind": ("类型", "row or column"),
        "code": ("代码", "Stable code"),
        "template": ("模板", "2019, 2021 or both"),
        "label_zh": ("中文标签", "Chinese label as in the official format"),
        "label_en": ("英文标签", "English label"),
        "grp": ("分组", "Group label (e.g. 第二十条第（一）项, （三）不予公开)"),
        "unit": ("单位", "Unit"),
        "ordinal": ("顺序", "Order in the code book"),
    }),
    "rules": ("校验规则", "What each check means: formula and description in Chinese and English (checks.rule)", {
        "id": ("规则编号", "Rule number (docs/FORMATS.md 1–10)"),
        "level": ("级别", "hard (an identity the report must satisfy) or soft (a warning)"),
        "name_zh": ("中文名称", "Short Chinese name"),
        "name_en": ("英文名称", "Short English name"),
        "formula": ("公式", "The identity, in the report's own row names"),
        "description_zh": ("中文说明", "What is checked, in Chinese"),
        "description_en": ("英文说明", "What is checked, in English"),
    }),
    "passages": ("检索段落", "Section text split into prose and table text, indexed apart for search", {
        "id": ("编号", "Section id for prose; section id + 1,000,000,000 for table text"),
        "section_id": ("章节", "Section the passage comes from"),
        "report_id": ("报告", "Report"),
        "code": ("章节代码", "Section code"),
        "name_zh": ("章节名称", "Section heading"),
        "kind": ("类型", "prose (正文) or table (flattened table text: lines holding a tab)"),
        "text": ("文字", "The text"),
        "grams": ("单字索引文本", "The text with one token per character, indexed by passages_grams (search of any length)"),
    }),
    "t3_wide": ("表三宽表", "Table 3 (依申请公开) in its printed shape: one row per report and row code, seven applicant columns (materialised at build time)", {
        "report_id": ("报告", "Report"),
        "agency": ("机关", "Agency"),
        "year": ("报告年度", "Report year"),
        "row_code": ("行代码", "Row code from the code book"),
        "label_zh": ("行名称", "Printed Chinese row label"),
        "natural_person": ("自然人", "Applicants: natural persons"),
        "commercial": ("商业企业", "Applicants: commercial enterprises"),
        "research": ("科研机构", "Applicants: research institutions"),
        "social_welfare": ("社会公益组织", "Applicants: social welfare organisations"),
        "legal_services": ("法律服务机构", "Applicants: legal service providers"),
        "other_org": ("其他", "Applicants: other organisations"),
        "total": ("总计", "Total column as printed"),
        "row_order": ("行顺序", "Order of the row in the printed table"),
    }),
    "downloads": ("批量下载", "Bulk download files written by the build (served at /downloads/NAME)", {
        "name": ("名称", "Download name, e.g. panel.csv"),
        "file": ("文件", "File name in the downloads folder beside the database (content-derived)"),
        "format": ("格式", "csv (UTF-8 with BOM) or parquet"),
        "rows": ("行数", "Data rows in the file"),
        "bytes": ("大小", "Size in bytes"),
        "sha256": ("文件哈希（SHA-256）", "sha256 of the file"),
        "description": ("说明", "What the file holds"),
    }),
    "agencies": ("机关", "Agencies as entities: one row per agency and scope, with a stable id that survives rebuilds", {
        "agency_id": ("机关编号", "Stable id: 6-digit GB/T 2260 code of the canonical name (000000 when it cannot be placed), a dash and the first 10 hex digits of sha1(canonical key and scope)"),
        "name": ("规范名称", "Canonical name (the fullest name seen from the most trusted source)"),
        "kind": ("类型", "government (人民政府), township (乡镇街道), development_zone (管委会), department (局委办厅…), other"),
        "level": ("层级", "Administrative level of the agency's jurisdiction: national, province, city, county, township"),
        "scope": ("范围", "own (本级) or area_summary (全区/全市/全县汇总): a summary is a separate entity from the government that issues it"),
        "parent_id": ("上级机关", "agency_id of the government the agency belongs to, where the name (place prefix) or the site's registry row says so"),
        "province": ("省级", "Province (GB/T 2260 name, else from the registry row's region)"),
        "city": ("地级", "Prefecture-level city (GB/T 2260)"),
        "county": ("县级", "County-level division (GB/T 2260)"),
        "region_code": ("行政区划代码", "Most specific GB/T 2260 code of the canonical name (6 digits)"),
        "region": ("地区", "Leading place names of the canonical name, else the registry row's region"),
        "reports": ("报告数", "Reports of this agency in the database"),
        "first_year": ("最早年度", "Earliest report year"),
        "last_year": ("最近年度", "Latest report year"),
        "aliases": ("别名数", "Distinct spellings seen for this agency (agency_aliases)"),
    }),
    "agency_aliases": ("机关别名", "Every spelling of an agency seen, with the document and site it was seen on and the rule that tied it to the agency", {
        "id": ("编号", "Row id"),
        "agency_id": ("机关编号", "Agency the alias belongs to"),
        "alias": ("别名", "Name as seen (after stripping residue such as 标题: / 正文 / # / 关于)"),
        "key": ("比对键", "Comparison key the rules derive from the alias (管理委员会→管委会, 人民政府 dropped, 办公厅→办公室, full width→half width)"),
        "source": ("来源", "Where it was seen: title, body_title, signature, publisher (page meta / gkmlpt publisher / ContentSource), site (registry row), operator (crawler/aliases.yaml)"),
        "rule": ("规则", "Rule that tied it to the agency: same_key (regular alias form), abbreviation_of_publisher / abbreviation_of_site_agency (a title's short name expanded by the page or the registry row), relative_to_site_region (市教育局 on a 青屿市 site), relative_to_site (a relative name that stays tied to its site), operator_alias (normalize/aliases.yaml), registry_row"),
        "document_id": ("文档", "Document it was seen in (empty for registry and operator aliases)"),
        "site_id": ("站点", "Site it was seen on"),
        "url": ("网址", "URL of the document"),
    }),
    "rejected_pages": ("被排除的页面", "Pages the crawler fetched and rejected (negative with reason, or noise): kept as evidence, never reports", {
        "id": ("编号", "Row id"),
        "url": ("网址", "URL fetched"),
        "sha256": ("内容哈希（SHA-256）", "sha256 of the archived bytes (the page stays in the archive)"),
        "site_id": ("站点", "Site id"),
        "verdict": ("判定", "The crawler's verdict recorded in the archive sidecar: negative or noise"),
        "reason": ("原因", "Why, e.g. no_body_markers, negative:事业单位法人年度报告"),
        "title": ("标题", "Title the crawler saw"),
        "http_status": ("HTTP状态", "HTTP status of the fetch"),
        "first_seen": ("首次抓取", "First fetch (UTC)"),
        "last_seen": ("最近抓取", "Latest fetch (UTC)"),
    }),
    "indicators_wide": ("核心指标宽表", "One row per report: named headline measures that read the same across the 2019 and 2021 layouts and, where stated, pre-2019 reports (mapping: normalize/headline_measures.csv, docs/NOTES.md)", {
        "report_id": ("报告", "Report"),
        "agency_id": ("机关编号", "Stable agency id"),
        "agency": ("机关", "Canonical agency name"),
        "year": ("报告年度", "Report year"),
        "template": ("模板", "Layout generation of the report: pre2019, 2019, 2021, unknown"),
        "scope": ("范围", "own (本级) or area_summary (汇总)"),
        **{m: (zh, f"{en} ({unit}); NULL when not printed") for m, zh, en, unit in MEASURES},
        "source": ("数据来源", "cells (tables 3–4 of the 2019/2021 layouts), indicators (pre-2019 stated statistics), or none"),
    }),
    "report_totals": ("报告合计", "Per report: the table 3 and 4 sums (total column) the dashboard reads; NULL when the report prints none of the cells (blank is not zero). Made at build time from cells", {
        "report_id": ("报告", "Report"),
        "new_received": ("本年新收申请", "t3 new_received, total column (件)"),
        "new_received_n": ("新收申请单元格数", "Printed t3 new_received total cells (0 or 1; the reports requests_by_year counts)"),
        "granted": ("予以公开", "t3 granted, total column"),
        "partially_granted": ("部分公开", "t3 partially_granted, total column"),
        "denied": ("不予公开", "Sum of the t3 denied* rows, total column"),
        "unavailable": ("无法提供", "Sum of the t3 unavailable* rows, total column"),
        "not_processed": ("不予处理", "Sum of the t3 not_processed* rows, total column"),
        "other_outcome": ("其他处理", "Sum of the t3 other* rows, total column"),
        "review": ("行政复议", "t4 review, total column"),
        "suit_direct": ("直接起诉", "t4 suit_direct, total column"),
        "suit_after_review": ("复议后起诉", "t4 rows other than review and suit_direct (suit_after_review), total column"),
        "share_granted": ("公开比例分子", "t3 granted total when both it and a positive t3 total_processed total are printed"),
        "share_total": ("公开比例分母", "t3 total_processed total when both are printed and it is positive"),
        "share_reports": ("公开比例报告数", "1 when the report counts in the share granted (both cells printed), else 0"),
    }),
    "dashboard_cube": ("看板汇总", "Sums of report_totals and reports by year, level, province and template: what the dashboard charts and requests_by_year read (made at build time)", {
        "year": ("报告年度", "Report year"),
        "level": ("层级", "Administrative level"),
        "province": ("省级", "Province"),
        "template": ("模板", "Layout generation"),
        "reports": ("报告数", "Reports"),
        "failing_reports": ("自相矛盾的报告数", "Reports with a failing hard identity"),
        "new_received_n": ("印出新收申请的报告数", "Reports that print t3 new_received total"),
        "share_reports": ("公开比例报告数", "Reports that print both cells of the share granted"),
        "new_received": ("本年新收申请", "Sum of report_totals.new_received"),
        "granted": ("予以公开", "Sum of report_totals.granted"),
        "partially_granted": ("部分公开", "Sum of report_totals.partially_granted"),
        "denied": ("不予公开", "Sum of report_totals.denied"),
        "unavailable": ("无法提供", "Sum of report_totals.unavailable"),
        "not_processed": ("不予处理", "Sum of report_totals.not_processed"),
        "other_outcome": ("其他处理", "Sum of report_totals.other_outcome"),
        "share_granted": ("公开比例分子", "Sum of report_totals.share_granted"),
        "share_total": ("公开比例分母", "Sum of report_totals.share_total"),
        "review": ("行政复议", "Sum of report_totals.review"),
        "suit_direct": ("直接起诉", "Sum of report_totals.suit_direct"),
        "suit_after_review": ("复议后起诉", "Sum of report_totals.suit_after_review"),
    }),
    "dashboard_rule_cube": ("未通过校验汇总", "Failing or warning checks counted by year, level, province, template and rule (made at build time; the dashboard reads it)", {
        "year": ("报告年度", "Report year"),
        "level": ("层级", "Administrative level"),
        "province": ("省级", "Province"),
        "template": ("模板", "Layout generation"),
        "rule": ("规则", "Check rule (rules.id)"),
        "n": ("条数", "Checks with status fail or warn"),
    }),
    "facet_counts": ("分面计数", "Per table and column of the default facets, every value and its row count over the whole table "
                     "(made at build time; the unfiltered table pages show their facets from it)", {
        "tbl": ("表", "Table"), "col": ("列", "Column"), "value": ("值", "Value (of the column's own type)"),
        "n": ("行数", "Rows of the table with this value"),
    }),
    "_migrations": ("数据库版本", "Schema migrations applied to this database", {
        "version": ("版本", "Migration number"), "name": ("名称", "Migration name"),
        "applied_at": ("应用时间", "When it was applied (UTC)"),
    }),
    "_build_state": ("构建状态", "Per agency, a signature of everything its reports' rows depend on: the next "
                     "build rewrites only agencies whose signature changed (normalize/incremental.py)", {
        "agency_id": ("机关编号", "Agency id"), "signature": ("签名", "Hash of the agency's build inputs"),
    }),
    "_build_info": ("构建信息", "What every row depends on (parser version, migrations, aliases file, packages): "
                    "when it changes the next build is a full one", {
        "key": ("项目", "What"), "value": ("值", "Its value when this database was built"),
    }),
}

VIEWS = {
    "report_overview": ("报告概览", "Headline numbers per report: new requests, disclosed, reconsiderations, lawsuits", {
        "id": ("报告编号", "Report id"),
        "agency": ("机关", "Agency"),
        "year": ("报告年度", "Report year"),
        "template": ("模板", "Layout generation"),
        "published": ("发布日期", "Publication date"),
        "site_id": ("站点", "Site the report was found on"),
        "new_requests": ("本年新收申请", "Table 3 new_received, total column (件)"),
        "granted": ("予以公开", "Table 3 granted, total column (件)"),
        "reconsiderations": ("行政复议", "Table 4 review, total column (件)"),
        "lawsuits_direct": ("直接起诉", "Table 4 suit_direct, total column (件)"),
        "checks_failed": ("未通过的硬校验", "Hard identities that fail"),
        "source_url": ("来源网址", "URL of the report page"),
    }),
    "panel": ("面板数据", "Long panel: every published table cell with its agency, year, level, place and labels; one agency's series: where agency_id = ? order by year", {
        "agency_id": ("机关编号", "Stable agency id (agencies)"),
        "agency": ("机关", "Canonical agency name"),
        "year": ("报告年度", "Report year"),
        "level": ("层级", "Administrative level of the agency's jurisdiction"),
        "kind": ("机关类型", "government, township, development_zone, department, other"),
        "scope": ("范围", "own (本级) or area_summary (汇总); filter on own when summing by level"),
        "province": ("省级", "Province"),
        "region_code": ("行政区划代码", "GB/T 2260 code (6 digits)"),
        "template": ("模板", "Layout generation of the report"),
        "tbl": ("表", "t2, t3, t4"),
        "row_code": ("行代码", "Row code (code book)"),
        "col_code": ("列代码", "Column code (code book)"),
        "label_zh": ("行标签", "Chinese row label of the report's layout"),
        "label_en": ("英文行标签", "English row label"),
        "col_label_zh": ("列标签", "Chinese column label"),
        "col_label_en": ("英文列标签", "English column label"),
        "value": ("数值", "Parsed value; NULL when blank or not a number (blank is not zero)"),
        "unit": ("单位", "Unit: 件, 项, 万元"),
        "raw": ("原文", "Cell text exactly as printed"),
        "check_status": ("校验状态", "Report-level status of the hard identities: fail, not_assessable, pass, none (no identity applies)"),
        "document_id": ("文档", "Document the cell was read from (the report's primary document)"),
        "page": ("页码", "Page where the format has pages"),
        "source_url": ("来源网址", "URL of the report page"),
        "report_id": ("报告", "Report"),
        "report_status": ("报告状态", "current or removed (taken down)"),
    }),
}

QUERIES = {
    "search": {
        "title": "全文检索 Search report text",
        "description": ("Search the sections' text for a word of any length (1, 2 or more characters: 复议, 采购, "
                        "信息处理费); kind = prose or table, optional year / level / province. Every length is answered "
                        "by the one-token-per-character index (passages_grams); the first 200 hits, prose first, newest "
                        "indexed passage first (the index's own order: no sort over every hit) — the search page "
                        "/search pages through every hit."),
        "sql": prose_then_tables(
            "p.report_id, r.agency, r.year, r.level, r.province, p.name_zh as section, p.kind,\n"
            "  substr(p.text, max(1, instr(p.text, :q) - 40), 120) as context", "200"),
    },
    "table2": {
        "title": "一份报告的表二 Table 2 of one report",
        "description": "Table 2 (主动公开) of one report, with the printed Chinese row and column labels.",
        "sql": ("select c.row_code, (select label_zh from codebook where tbl='t2' and kind='row' and code=c.row_code limit 1) as row_zh,\n"
                "  c.col_code, (select label_zh from codebook where tbl='t2' and kind='column' and code=c.col_code limit 1) as col_zh,\n"
                "  c.raw, c.value, c.unit, c.page\n"
                "from cells c where c.report_id = :report_id and c.tbl = 't2' order by c.id"),
    },
    "table4": {
        "title": "一份报告的表四 Table 4 of one report",
        "description": "Table 4 (行政复议、行政诉讼) of one report in its printed shape: one row per group, five result columns.",
        "sql": ("select c.row_code, (select label_zh from codebook where tbl='t4' and kind='row' and code=c.row_code limit 1) as label_zh,\n"
                "  max(case when c.col_code='upheld' then c.raw end) as 结果维持,\n"
                "  max(case when c.col_code='corrected' then c.raw end) as 结果纠正,\n"
                "  max(case when c.col_code='other' then c.raw end) as 其他结果,\n"
                "  max(case when c.col_code='pending' then c.raw end) as 尚未审结,\n"
                "  max(case when c.col_code='total' then c.raw end) as 总计\n"
                "from cells c where c.report_id = :report_id and c.tbl = 't4' group by c.row_code\n"
                "order by (select min(ordinal) from codebook where tbl='t4' and kind='row' and code=c.row_code)"),
    },
    "failed_checks": {
        "title": "自相矛盾的报告 Reports that contradict themselves",
        "description": "Hard identities that fail, with the printed and the expected value: the newest 100 (all of them: the checks table, status = fail; rendering 500 rows took 300 ms).",
        "sql": ("select c.report_id, r.agency, r.year, c.rule, c.scope, c.expected, c.found, c.page, c.message_zh, c.message\n"
                "from reports r cross join checks c on c.report_id = r.id\n"
                "where r.checks_failed > 0 and c.level = 'hard' and c.status = 'fail' order by r.year desc, r.agency\n"
                "limit 100"),
    },
    "requests_by_year": {
        "title": "依申请公开数量按年度 Requests received by year",
        "description": ("Sum of 本年新收政府信息公开申请数量 (total column) per report year, over reports that print it "
                        "(from dashboard_cube, summed from the cells at build time)."),
        "sql": ("select year, sum(new_received_n) as reports, sum(new_received) as new_requests\n"
                "from dashboard_cube where new_received_n > 0\n"
                "group by year order by year"),
    },
    "agency_series": {
        "title": "一个机关的历年数据 One agency's series across all years",
        "description": "Headline measures of one agency (agency_id from the agencies table), one row per report year.",
        "sql": ("select w.year, w.template, w.requests_new, w.replies_granted, w.replies_partial, w.replies_total,\n"
                "  w.admin_review, w.admin_litigation, w.fee_amount, w.source, r.source_url\n"
                "from indicators_wide w join reports r on r.id = w.report_id\n"
                "where w.agency_id = :agency_id order by w.year"),
    },
    "panel_cell_series": {
        "title": "一个单元格的历年数值 One printed cell across years",
        "description": "One table cell (e.g. t3 / new_received / total) of one agency, every year, from the panel.",
        "sql": ("select year, template, label_zh, col_label_zh, value, raw, check_status, source_url from panel\n"
                "where agency_id = :agency_id and tbl = :tbl and row_code = :row_code and col_code = :col_code\n"
                "order by year"),
    },
    "table3": {
        "title": "一份报告的表三 Table 3 of one report",
        "description": "Table 3 of one report in its printed shape.",
        "sql": "select * from t3_wide where report_id = :report_id order by row_order",
    },
}


def _merge_unique(ours: dict, theirs: dict) -> None:
    """Add another module's entries; a name both define is an error (one would silently replace the other:
    issue 12's `agency_series` once hid issue 7's). Re-adding the identical entry is harmless."""
    clash = sorted(k for k in theirs if k in ours and ours[k] != theirs[k])
    if clash:
        raise ValueError(f"metadata names defined twice: {', '.join(clash)}")
    ours.update(theirs)


def build_metadata() -> dict:
    from . import metadata_indicators as ind  # issue 12: pre-2019 indicators

    for ours, theirs in ((TABLES, ind.TABLES), (VIEWS, ind.VIEWS), (QUERIES, ind.QUERIES)):
        _merge_unique(ours, theirs)
    tables = {}
    for name, (zh, en, cols) in {**TABLES, **VIEWS}.items():
        t = {"description": f"{zh} — {en}", "columns": {c: f"{czh} — {cen}" for c, (czh, cen) in cols.items()}}
        tables[name] = t
    tables["reports"]["sort_desc"] = "year"
    tables["reports"]["label_column"] = "label"
    # no default facets on cells: three GROUP BYs over every cell of the corpus on each page (issue 9);
    # ?_facet=tbl still works on a filtered page
    # the search box: one token per character (ogi/site/search.py), prose only on `sections`
    tables["sections"]["fts_table"] = "passages_grams"
    tables["sections"]["fts_pk"] = "id"
    # no default facets on sections / passages: on a search of 1-2 characters they GROUP BY ~100,000 hits
    # and time out at 100,000 reports (issue 9); ?_facet=code still works
    tables["passages"]["fts_table"] = "passages_grams"
    tables["passages"]["fts_pk"] = "id"
    tables["rules"]["facets"] = ["level"]
    tables["rules"]["label_column"] = "name_zh"  # checks.rule shows "1 表三收支平衡"
    # t3_wide has no default facets: two GROUP BYs over 1.7 M rows on each unfiltered page (issue 9)
    for hidden in ("sections_fts", "passages_fts", "passages_grams"):
        tables[hidden] = {"hidden": True}
    for bookkeeping in ("_build_state", "_build_info"):  # the incremental build's, not for researchers
        tables[bookkeeping]["hidden"] = True
    for name, facets in ind.FACETS.items():
        tables[name]["facets"] = facets
    tables["agencies"]["label_column"] = "name"
    tables["agency_aliases"]["facets"] = ["source", "rule"]
    tables["rejected_pages"]["facets"] = ["verdict", "reason", "site_id"]
    # default facets of the big tables: counted at build time for their unfiltered pages (issue 9)
    for name, facets in FACETED.items():
        tables[name]["facets"] = list(facets)
    return {
        "title": "ogi-reports: 政府信息公开工作年度报告数据库",
        "description": (
            "The open corpus of China's government information disclosure annual reports "
            "(政府信息公开工作年度报告): one row per report, every printed number of tables 2–4 with its raw text, "
            "the sections' text and data-quality checks. Printed numbers are never repaired: inconsistencies are "
            "flagged in `checks`. Blank cells are NULL, not zero."
        ),
        "license": "CC BY 4.0 (database); the reports are public government documents",
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
        "source": "Government portals (*.gov.cn), crawled by ogi-reports",
        "source_url": "https://github.com/ogi-reports/ogi-reports",
        "about": "ogi-reports",
        "about_url": "https://github.com/ogi-reports/ogi-reports",
        "extra_css_urls": ["/ogi-static/ogi.css"],
        "extra_js_urls": ["/ogi-static/ogi.js"],
        "databases": {"ogi": {"tables": tables, "queries": QUERIES}},
        "plugins": {"datasette-dashboards": DASHBOARDS},
    }


def main() -> None:
    (REPO / "metadata.json").write_text(json.dumps(build_metadata(), ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"wrote {REPO / 'metadata.json'}")


if __name__ == "__main__":
    main()
