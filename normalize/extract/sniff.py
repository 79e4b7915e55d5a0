"""What a document really is, from its bytes (never from its name).

`sniff(data)` returns one of:
  'empty'  no bytes, or only whitespace / NUL
  'pdf'    %PDF- in the first 1 KB (junk before the header is allowed, as readers do)
  'docx' 'xlsx' 'ofd' 'zip'   a zip: Word (word/document.xml), Excel (xl/workbook.xml), OFD (OFD.xml),
                              or any other zip (odt, archives of attachments, …)
  'doc' 'wps' 'xls'           OLE2 compound files, told apart by the stream names in the OLE directory:
                              WordDocument → 'doc', unless written by Kingsoft WPS (a WpsCustomData
                              stream or the KSOProductBuildVer property) → 'wps'; Workbook/Book → 'xls'.
                              Encrypted OOXML (EncryptionInfo + EncryptedPackage) and other OLE
                              files (ppt, msg, …) are 'unknown'. An OLE file whose directory cannot
                              be read (a truncated file) is 'xls' only when its first stream starts with an Excel BOF
                              record, else 'doc' (LibreOffice will decide).
  'rtf'    {\\rtf
  'image'  png, jpeg, gif, bmp, tiff, webp
  'mhtml'  MIME "single file web page" (Word's 另存为单个网页, often served as .doc)
  'html'   markup: doctype, <html>, <head>, <body>, <meta>, <table>, <div>, <p> near the start
  'text'   decodes as UTF-8 / UTF-16 (with BOM) / GB18030 with (almost) no control characters
  'unknown'
"""
from __future__ import annotations

import io
import re
import struct
import zipfile

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

EXTENSIONS = {
    "pdf": {"pdf"},
    "doc": {"doc", "wps", "mhtml", "html", "rtf"},  # .doc: real doc; wps-made doc is still a doc
    "dot": {"doc", "wps"},
    "wps": {"wps", "doc"},
    "docx": {"docx"},
    "docm": {"docx"},
    "xls": {"xls"},
    "et": {"xls"},
    "xlsx": {"xlsx"},
    "ofd": {"ofd"},
    "zip": {"zip"},
    "rtf": {"rtf"},
    "txt": {"text"},
    "htm": {"html", "mhtml"},
    "html": {"html", "mhtml"},
    "shtml": {"html"},
    "xhtml": {"html"},
    "jhtml": {"html"},
    "mht": {"mhtml", "html"},
    "mhtml": {"mhtml", "html"},
    "png": {"image"},
    "jpg": {"image"},
    "jpeg": {"image"},
    "gif": {"image"},
    "bmp": {"image"},
    "tif": {"image"},
    "tiff": {"image"},
    "webp": {"image"},
}
# Server-script names (download.jsp?id=…, .asp, .php, .do) serve any type: they are not listed.
# Formats where a .doc name is a known, harmless mislabel: only 'doc' and 'wps' are "true" .doc files.
_STRICT_DOC = {"doc": {"doc", "wps"}, "dot": {"doc", "wps"}}


def extension_of(name: str | None) -> str:
    if not name:
        return ""
    base = re.split(r"[?#]", str(name), maxsplit=1)[0]
    base = base.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base:
        return ""
    return base.rsplit(".", 1)[-1].lower()


def extension_mismatch(name: str | None, fmt: str) -> str | None:
    """A message when the name's extension promises another type than the bytes have; else None."""
    ext = extension_of(name)
    if not ext or ext not in EXTENSIONS or fmt in ("empty", "unknown"):
        return None
    allowed = _STRICT_DOC.get(ext, EXTENSIONS[ext])
    if fmt in allowed:
        return None
    return f"file is named .{ext} but its bytes are {fmt}"


def sniff(data: bytes) -> str:
    if data is None:
        return "empty"
    if not isinstance(data, bytes):
        data = bytes(data)
    head = data[:4096]
    if not data.strip(b" \t\r\n\x00\x0b\x0c"):
        return "empty"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(data)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06") or head.startswith(b"PK\x07\x08"):
        return _sniff_zip(data)
    img = image_kind(head)
    if img:
        return "image"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:5].lower() == b"{\\rtf":
        return "rtf"
    text = _head_text(head)
    if text is None:
        return "unknown"
    t = text.lstrip("\ufeff \t\r\n").lower()
    if _is_mhtml(t):
        return "mhtml"
    if _looks_html(t):
        return "html"
    if _looks_text(text):
        return "text"
    return "unknown"


def image_kind(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"BM") and len(head) > 26 and head[14:15] in (b"\x0c", b"(", b"@", b"l", b"|", b"\x80"):
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _head_text(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return head[: len(head) - (len(head) % 2)].decode("utf-16")
        except UnicodeDecodeError:
            return None
    for enc in ("utf-8", "gb18030"):
        try:
            return head.decode(enc)
        except UnicodeDecodeError as e:
            # a multi-byte character cut at the end of the 4 KB head is fine
            if e.start >= len(head) - 4:
                try:
                    return head[: e.start].decode(enc)
                except UnicodeDecodeError:
                    pass
    # a few stray bytes (damaged or mixed pages) do not make markup binary
    for enc in ("utf-8", "gb18030"):
        text = head.decode(enc, errors="replace")
        if text.count("\ufffd") <= max(2, len(text) // 200):
            return text
    return None


_HTML_START = re.compile(
    r"^(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|table|div|p|span|br|style|script|link|center|font|h[1-6])\b",
    re.S,
)


def _looks_html(t: str) -> bool:
    if _HTML_START.match(t):
        return True
    # markup somewhere in the head: several block tags
    tags = re.findall(r"<(?:html|body|div|table|tr|td|p|br)\b[^>]*>", t[:4096])
    return len(tags) >= 3 and t.count("<") > 5


def _is_mhtml(t: str) -> bool:
    head = t[:2048]
    return "mime-version:" in head and "multipart/related" in head


def _looks_text(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n\x0c") or ch == "\ufffd")
    return bad <= max(2, len(text) // 100)


# --------------------------------------------------------------------------- zip

def zip_names(data: bytes) -> list[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return zf.namelist()[:100000]
    except Exception:
        return None


def _sniff_zip(data: bytes) -> str:
    names = zip_names(data)
    if names is None:
        # damaged zip: look at local file header names near the start
        names = [m.decode("latin-1") for m in re.findall(rb"PK\x03\x04.{26}([\x20-\x7e]{1,200})", data[:65536], re.S)]
    lower = {n.lower() for n in names}
    if any(n.startswith("word/") for n in lower) or "word/document.xml" in lower:
        return "docx"
    if any(n.startswith("xl/") for n in lower):
        return "xlsx"
    if "ofd.xml" in lower:
        return "ofd"
    return "zip"


# --------------------------------------------------------------------------- OLE2

def ole_stream_names(data: bytes) -> list[str] | None:
    """Names of all entries in an OLE2 compound file directory, or None if it cannot be read."""
    try:
        return _ole_names(data)
    except Exception:
        return None


def _ole_names(data: bytes) -> list[str] | None:
    if len(data) < 512 or not data.startswith(OLE_MAGIC):
        return None
    sector_shift = struct.unpack_from("<H", data, 0x1E)[0]
    if sector_shift not in (9, 12):
        return None
    ssize = 1 << sector_shift
    n_fat = struct.unpack_from("<I", data, 0x2C)[0]
    first_dir = struct.unpack_from("<I", data, 0x30)[0]
    first_difat = struct.unpack_from("<I", data, 0x44)[0]
    n_difat = struct.unpack_from("<I", data, 0x48)[0]
    max_sector = (len(data) - ssize) // ssize + 1

    def sector(n: int) -> bytes:
        off = (n + 1) * ssize
        return data[off: off + ssize]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < 0xFFFFFFFA]
    d, seen = first_difat, 0
    while d < 0xFFFFFFFA and seen < n_difat and seen < max_sector:
        sec = sector(d)
        if len(sec) < ssize:
            break
        vals = struct.unpack(f"<{ssize // 4}I", sec)
        fat_sectors.extend(v for v in vals[:-1] if v < 0xFFFFFFFA)
        d = vals[-1]
        seen += 1
    fat_sectors = fat_sectors[: max(n_fat, 0) or len(fat_sectors)]
    fat: list[int] = []
    for s in fat_sectors[:max_sector]:
        sec = sector(s)
        if len(sec) < ssize:
            break
        fat.extend(struct.unpack(f"<{ssize // 4}I", sec))
    names: list[str] = []
    cur, visited = first_dir, set()
    while cur < 0xFFFFFFFA and cur not in visited and len(visited) < max_sector:
        visited.add(cur)
        sec = sector(cur)
        for off in range(0, len(sec) - 127, 128):
            nlen = struct.unpack_from("<H", sec, off + 0x40)[0]
            etype = sec[off + 0x42]
            if etype in (1, 2, 5) and 2 <= nlen <= 64:
                names.append(sec[off: off + nlen - 2].decode("utf-16-le", errors="replace"))
        if cur >= len(fat):
            break
        cur = fat[cur]
    return names or None


_WORD_FIB = b"\xec\xa5"
_BIFF_BOF = (b"\x09\x08\x10\x00\x00\x06", b"\x09\x08\x08\x00\x00\x05")  # BIFF8, BIFF5


def _first_stream_kind(data: bytes) -> str:
    """'xls' when the first stream signature at a 512-byte sector start is Excel's BOF, else 'doc'."""
    for off in range(512, min(len(data), 4 * 1024 * 1024) - 6, 512):
        if data[off:off + 2] == _WORD_FIB:
            return "doc"
        if data[off:off + 6] in _BIFF_BOF:
            return "xls"
    return "doc"


_OLE_FALLBACK = ["WordDocument", "Workbook", "Book", "WpsCustomData", "EncryptedPackage", "PowerPoint Document"]


def _sniff_ole(data: bytes) -> str:
    names = ole_stream_names(data)
    if names is None:
        # directory unreadable (truncated?): look for the UTF-16 names anywhere
        names = [n for n in _OLE_FALLBACK if n.encode("utf-16-le") in data]
        if "WordDocument" not in names and "EncryptedPackage" not in names:
            # the directory was cut off, and a report's own text may say "Workbook": the first stream
            # signature found at a sector start tells a Word FIB (0xA5EC) from an Excel BOF record
            return _first_stream_kind(data)
    s = set(names)
    if "EncryptedPackage" in s:
        return "unknown"
    if "WordDocument" in s:
        if "WpsCustomData" in s or is_kingsoft(data):
            return "wps"
        return "doc"
    if "Workbook" in s or "Book" in s:
        return "xls"
    return "unknown"


def is_kingsoft(data: bytes) -> bool:
    """Kingsoft WPS writes a KSOProductBuildVer custom property into DocumentSummaryInformation."""
    return b"KSOProductBuildVer" in data or "KSOProductBuildVer".encode("utf-16-le") in data


def is_encrypted_ooxml(data: bytes) -> bool:
    names = ole_stream_names(data) or []
    return "EncryptedPackage" in names or "EncryptedPackage".encode("utf-16-le") in data[:1 << 20]
