"""Sentences of a report's prose, as the gold files define them.

A sentence is a paragraph's text split after 。 ； ; ！ ？ (the delimiter stays with its sentence),
with surrounding whitespace stripped. Clauses are a sentence split at ， , ： : 、 is NOT a clause
break ("区直、县直各单位").

PDF text comes as wrapped lines: `join_wrapped` glues a paragraph to the next one when it does not
end a sentence and the next one does not start a heading, so that a statement broken across lines
is one sentence again.
"""
from __future__ import annotations

import re

from ..document import Document, Paragraph

_END = re.compile(r"(?<=[。；;！？!?])")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．](?!\d)|附[件表])")
_TERMINAL = ("。", "；", ";", "！", "？", "!", "?", "：", ":")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _END.split(text or "") if s.strip()]


def join_wrapped(paragraphs: list[str]) -> list[str]:
    out: list[str] = []
    for p in paragraphs:
        p = p.strip()
        if not p:
            continue
        if out and not out[-1].endswith(_TERMINAL) and not _HEADING.match(p) and len(out[-1]) >= 20:
            out[-1] = out[-1] + p
        else:
            out.append(p)
    return out


def prose_sentences(doc: Document) -> list[str]:
    """Every sentence of the document's paragraphs, in reading order (tables excluded)."""
    paras = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    if doc.format == "pdf":
        paras = join_wrapped(paras)
    out: list[str] = []
    for p in paras:
        out.extend(split_sentences(p))
    return out
