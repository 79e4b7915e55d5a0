"""DOC / WPS / RTF → DOCX with LibreOffice headless, in batches.

LibreOffice takes a second or more to start, so `convert_office_batch` converts many documents with ONE
`soffice --headless --convert-to docx --outdir OUT in1.doc in2.doc …` call. Each call gets a private
profile (`-env:UserInstallation=file:///tmp/...`), so parallel builds never share (or lock) a profile,
and runs in its own process group, killed as a group on timeout.

A document LibreOffice failed on is remembered (by sha256) for the life of the process and not tried
again. A document that hangs LibreOffice cannot stop the batch: LibreOffice converts in argument order, so
when the batch times out the first document without output is given up (None) and the rest are
converted again in a new call. Every other failure is a None in the result list, at the document's
position. With `cache_dir`, results are stored as <sha256 of the input>.docx and reused.

Kingsoft WPS files (.wps) are Word-97-compatible OLE files: they are handed to LibreOffice as .doc
(the .wps extension would select the Microsoft Works filter, which cannot read them).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence

from ..document import ExtractError
from .sniff import sniff

CONVERTIBLE = {"doc": ".doc", "wps": ".doc", "rtf": ".rtf"}
# sha256 of inputs LibreOffice failed on in this process: asking again (e.g. extract_bytes on a DOC whose
# batch conversion failed) returns None at once instead of starting LibreOffice for nothing.
_FAILED: set[str] = set()
_FAILED_MAX = 100_000
SETUP_HINT = "LibreOffice (soffice) is not installed; run `make setup` (it installs Debian libreoffice-writer-nogui)"


def find_soffice() -> Optional[str]:
    for name in ("soffice", "libreoffice"):
        p = shutil.which(name)
        if p:
            return p
    for p in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
              "/Applications/LibreOffice.app/Contents/MacOS/soffice"):
        if os.path.exists(p):
            return p
    return None


def _is_docx(data: Optional[bytes]) -> bool:
    """A complete DOCX package (a batch killed mid-write can leave a partial file)."""
    if not data:
        return False
    try:
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "word/document.xml" in zf.namelist()
    except Exception:
        return False


def convert_office_batch(items: Sequence[bytes], *, cache_dir: Optional[str | os.PathLike] = None,
                         timeout: Optional[float] = None, per_item_timeout: float = 60.0,
                         soffice: Optional[str] = None) -> list[Optional[bytes]]:
    """Convert DOC/WPS/RTF bytes to DOCX bytes; one LibreOffice run per batch.

    timeout: seconds for one LibreOffice run (default 60 + per_item_timeout per document).
    Items that already are DOCX are returned unchanged; items of other types give None.
    Raises ExtractError('converter_missing') when LibreOffice is not installed and there is
    anything to convert.
    """
    results: list[Optional[bytes]] = [None] * len(items)
    todo: list[int] = []
    keys: dict[int, str] = {}
    cache = Path(cache_dir) if cache_dir else None
    for i, data in enumerate(items):
        if not data:
            continue
        kind = sniff(data)
        if kind == "docx":
            results[i] = bytes(data)
            continue
        if kind not in CONVERTIBLE:
            continue
        keys[i] = hashlib.sha256(data).hexdigest()
        if keys[i] in _FAILED:
            continue
        if cache is not None:
            hit = cache / f"{keys[i]}.docx"
            if hit.is_file():
                cached = hit.read_bytes()
                if _is_docx(cached):
                    results[i] = cached
                    continue
        todo.append(i)
    if not todo:
        return results
    exe = soffice or find_soffice()
    if not exe:
        raise ExtractError("converter_missing", SETUP_HINT)

    pending = todo
    while pending:
        budget = timeout if timeout is not None else 60.0 + per_item_timeout * len(pending)
        done, hung = _run_batch(exe, [(i, items[i], sniff(items[i])) for i in pending], budget)
        for i, out in done.items():
            if _is_docx(out):
                results[i] = out
                if cache is not None:
                    _cache_write(cache, keys[i], out)
        attempted = pending if hung is None else pending[: pending.index(hung) + 1]
        for i in attempted:
            if results[i] is None and len(_FAILED) < _FAILED_MAX:
                _FAILED.add(keys[i])
        if hung is None:
            break
        # skip the document LibreOffice was stuck on, retry those after it
        pending = pending[pending.index(hung) + 1:]
    return results


def _cache_write(cache: Path, key: str, data: bytes) -> None:
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = cache / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, cache / f"{key}.docx")  # atomic: concurrent writers are fine
    except OSError:
        pass


def _run_batch(exe: str, batch, budget: float):
    """One soffice run. Returns ({index: docx bytes}, index it hung on or None)."""
    with tempfile.TemporaryDirectory(prefix=f"ogi-lo-{os.getpid()}-") as tmp:
        tmp_path = Path(tmp)
        indir, outdir, profile = tmp_path / "in", tmp_path / "out", tmp_path / "profile"
        indir.mkdir()
        outdir.mkdir()
        files = []
        for i, data, kind in batch:
            f = indir / f"d{i:06d}{CONVERTIBLE.get(kind, '.doc')}"
            f.write_bytes(data)
            files.append((i, f))
        cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--nologo",
               "--nodefault", "--nofirststartwizard", "--nolockcheck", "--norestore",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(outdir)] + [str(f) for _, f in files]
        env = dict(os.environ)
        env.setdefault("SAL_USE_VCLPLUGIN", "svp")
        env["HOME"] = str(tmp_path)  # LibreOffice writes caches under $HOME
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=env, start_new_session=True)
        hung = None
        try:
            proc.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            hung = -1
        done = {}
        for i, f in files:
            out = outdir / (f.stem + ".docx")
            if out.is_file():
                done[i] = out.read_bytes()
            elif hung == -1:
                hung = i  # first document without output: LibreOffice was stuck on it
        if hung == -1:
            hung = None
        return done, hung


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group we created (soffice + soffice.bin)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    time.sleep(0.05)
