"""Pre-2019 indicators: every statistic a 2008–2018 report states, coded (normalize/codebook_pre2019.csv).

    extract_indicators(doc, sections) -> [{"code", "value", "raw", "sentence", "where", "unit",
                                           "period", "family", "primary", "conflict"?}]

Prose (`prose.py`, phrasing families matched per sentence) and statistics tables (`tables.py`) give
statements; `merge.py` picks one primary statement per (code, period); `checks.py` adds the pre-2019
checks. Everything here is a pure function of the extracted `Document`.
"""
from __future__ import annotations

from typing import Optional

from ..document import Document, Table
from .checks import indicator_checks
from .merge import merge
from .prose import statements_in
from .sentences import prose_sentences
from .tables import is_statistics_table, table_statements

__all__ = ["extract_indicators", "indicator_checks", "applies"]


def applies(template: str, year: Optional[int]) -> bool:
    """Pre-2019 reports, and reports of no known layout from before 2019."""
    return template == "pre2019" or (template == "unknown" and isinstance(year, int) and year <= 2018)


def _section_of(sentence: str, sections: dict[str, str]) -> Optional[str]:
    for code, text in sections.items():
        if sentence in (text or ""):
            return code
    return None


def extract_indicators(doc: Document, sections: Optional[dict] = None, year: Optional[int] = None) -> list[dict]:
    sections = sections or {}
    statements = []
    for sentence in prose_sentences(doc):
        statements.extend(statements_in(sentence, _section_of(sentence, sections)))
    for block in doc.blocks:
        if isinstance(block, Table):
            found = table_statements(block, year)
            if is_statistics_table(found):
                statements.extend(found)
    return merge(statements)
