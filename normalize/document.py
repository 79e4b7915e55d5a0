"""The intermediate document every format is extracted to.

Every extractor (plain-text dump, HTML, DOCX, PDF, DOC/WPS via LibreOffice, images) returns one
`Document`: an ordered list of blocks, each a `Paragraph` or a `Table`. Tables are full grids: a
merged cell (rowspan/colspan, Word vMerge/gridSpan) repeats its text in every grid position it
covers, so that row and column positions mean the same thing whatever the source format was.
A flattened text dump cannot know spans; its rows are ragged (`Table.ragged = True`).

Parsing (layout, sections, tables, checks) is pure functions over this structure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union


@dataclass
class Paragraph:
    text: str
    page: Optional[int] = None  # 1-based page number where the format has pages


@dataclass
class Table:
    rows: list[list[str]]  # grid rows of cell texts (spans expanded)
    index: int = 0  # 0-based index of the table in the document
    page: Optional[int] = None  # page of the first row
    row_pages: list[Optional[int]] = field(default_factory=list)  # page of each row (same length as rows)
    ragged: bool = False  # True when spans were lost (text dumps): rows may differ in length

    def page_of(self, r: int) -> Optional[int]:
        if r < len(self.row_pages):
            return self.row_pages[r]
        return self.page


Block = Union[Paragraph, Table]


@dataclass
class DocIssue:
    """A problem met while reading a document. `level` is 'error' (nothing usable) or 'warning'."""

    rule: str  # short code, e.g. 'empty_file', 'encrypted_pdf', 'needs_ocr', 'too_large'
    message: str
    level: str = "error"


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)
    format: str = "unknown"  # sniffed real type: text, html, docx, pdf, doc, wps, image, xls, ...
    pages: Optional[int] = None  # number of pages where the format has pages
    meta: dict = field(default_factory=dict)  # e.g. html metas: title, ArticleTitle, PubDate, ContentSource
    needs_ocr: bool = False
    issues: list[DocIssue] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def text(self) -> str:
        """All text in reading order; table rows joined by tabs (for search and section text)."""
        out = []
        for b in self.blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            else:
                out.extend("\t".join(r) for r in b.rows)
        return "\n".join(out)


class ExtractError(Exception):
    """A document that cannot be read at all. `rule` is a short machine-readable code."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message
