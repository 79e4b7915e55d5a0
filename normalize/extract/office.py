"""DOC / WPS / RTF → DOCX with LibreOffice headless, in batches.

LibreOffice takes a second or more to start, so `convert_office_batch` converts many documents with ONE
`soffice --headless --convert-to docx --outdir OUT in1.doc in2.doc …` call. Each call gets a private
profile (`-env:UserInstallation=file:///tmp/...`), so parallel builds never share (or lock) a profile,
and runs in its own process group, killed as a group on timeout.

A document that hangs LibreOffice cannot stop the batch, and only it is blamed: LibreOffice converts in
argument order, writing an output file for each document it converted and an ``Error:`` line (stderr)
for each it could not load, so the number of documents it has got through is known while it runs. When
that number stops moving for `per_item_timeout` seconds (or the batch exceeds its budget) LibreOffice is
killed; the document it was on is given up as a *timeout*, the ones before it without output as failed
conversions, and the ones after it are converted again in a new call — one timeout per slow document,
however many failing documents precede it.

Failures are remembered by sha256: for the life of the process, and with `cache_dir` as
``<sha256>.failed`` next to the ``<sha256>.docx`` results, so a rebuild never starts LibreOffice for a
document that failed or timed out before — with the same LibreOffice: the marker holds the
converter's version (`converter_version`), and a new LibreOffice tries the document again. `failures` (a dict, optional) receives the reason of every
None in the result: ``conversion_failed`` or ``timeout``.

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
_FAILED: dict[str, str] = {}  # sha256 -> "conversion_failed" | "timeout"
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


STARTUP_SECONDS = 30.0  # allowance for LibreOffice to start before the first document


def convert_office_batch(items: Sequence[bytes], *, cache_dir: Optional[str | os.PathLike] = None,
                         timeout: Optional[float] = None, per_item_timeout: float = 60.0,
                         soffice: Optional[str] = None, failures: Optional[dict] = None,
                         startup_seconds: float = STARTUP_SECONDS) -> list[Optional[bytes]]:
    """Convert DOC/WPS/RTF bytes to DOCX bytes; one LibreOffice run per batch.

    timeout: seconds for one LibreOffice run (default 60 + per_item_timeout per document).
    per_item_timeout: seconds without progress after which the document being converted is given up.
    failures: filled with {index: "conversion_failed" | "timeout"} for the documents that gave None.
    Items that already are DOCX are returned unchanged; items of other types give None.
    Raises ExtractError('converter_missing') when LibreOffice is not installed and there is
    anything to convert.
    """
    results: list[Optional[bytes]] = [None] * len(items)
    why: dict[int, str] = failures if failures is not None else {}
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
            why[i] = _FAILED[keys[i]]
            continue
        if cache is not None:
            hit = cache / f"{keys[i]}.docx"
            if hit.is_file():
                cached = hit.read_bytes()
                if _is_docx(cached):
                    results[i] = cached
                    continue
            failed = _cached_failure(cache, keys[i])
            if failed:
                why[i] = _FAILED[keys[i]] = failed
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
        done, hung = _run_batch(exe, [(i, items[i], sniff(items[i])) for i in pending], budget, per_item_timeout,
                                startup_seconds)
        for i, out in done.items():
            if _is_docx(out):
                results[i] = out
                if cache is not None:
                    _cache_write(cache, keys[i], out)
        attempted = pending if hung is None else pending[: pending.index(hung)]
        for i in attempted:
            if results[i] is None:
                _remember(cache, keys[i], "conversion_failed")
                why[i] = "conversion_failed"
        if hung is None:
            break
        _remember(cache, keys[hung], "timeout")
        why[hung] = "timeout"
        pending = pending[pending.index(hung) + 1:]  # the slow one is given up, those after it retried
    return results


_VERSION: dict[str, Optional[str]] = {}


def converter_version(soffice: Optional[str] = None) -> Optional[str]:
    """A short fingerprint of the installed LibreOffice (its versionrc and the size and time of its
    program), None when there is none: what a remembered failure is valid for."""
    exe = soffice or find_soffice()
    if exe not in _VERSION:
        try:
            prog = Path(exe).resolve().parent
            h = hashlib.sha1()
            for f in (prog / "versionrc", prog / "soffice.bin", Path(exe).resolve()):
                if f.exists():
                    st = f.stat()
                    h.update(f"{f.name}:{st.st_size}:{int(st.st_mtime)}".encode())
                    if f.name == "versionrc":
                        h.update(f.read_bytes())
            _VERSION[exe] = h.hexdigest()[:12] if Path(exe).exists() else None
        except (OSError, TypeError):
            _VERSION[exe] = None
    return _VERSION[exe]


def _remember(cache: Optional[Path], key: str, reason: str) -> None:
    if len(_FAILED) < _FAILED_MAX:
        _FAILED[key] = reason
    if cache is not None:
        _cache_write(cache, key, f"{reason}\n{converter_version() or ''}".encode(), suffix=".failed")


def _cached_failure(cache: Path, key: str) -> Optional[str]:
    """The remembered failure of a document, if LibreOffice has not changed since (a marker of an
    unknown version — written before versions were recorded — is not trusted; with no LibreOffice
    installed a remembered failure stands)."""
    try:
        lines = (cache / f"{key}.failed").read_text("utf-8").split("\n")
    except OSError:
        return None
    reason, version = lines[0].strip(), (lines[1].strip() if len(lines) > 1 else "")
    current = converter_version()
    if current is not None and version != current:
        return None
    return reason if reason in ("conversion_failed", "timeout") else None


def _cache_write(cache: Path, key: str, data: bytes, suffix: str = ".docx") -> None:
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = cache / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, cache / f"{key}{suffix}")  # atomic: concurrent writers are fine
    except OSError:
        pass


def _run_batch(exe: str, batch, budget: float, per_item: float = 60.0, startup: float = STARTUP_SECONDS):
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
        errlog = tmp_path / "stderr.txt"
        with open(errlog, "wb") as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                    env=env, start_new_session=True)
            timed_out = _wait_with_progress(proc, lambda: _progress(outdir, errlog), budget, per_item, startup)
        done = {}
        for i, f in files:
            out = outdir / (f.stem + ".docx")
            if out.is_file():
                data = out.read_bytes()
                if _is_docx(data):
                    done[i] = data
        hung = None
        if timed_out:
            through = _progress(outdir, errlog, complete=True)  # got through, in argument order
            if through < len(files):
                hung = files[through][0]
        return done, hung


def _progress(outdir: Path, errlog: Path, *, complete: bool = False) -> int:
    """Documents LibreOffice has finished: outputs (only complete DOCX files when `complete`) plus
    'Error:' lines (documents it could not load)."""
    outs = 0
    for p in outdir.glob("*.docx"):
        try:
            if not complete or _is_docx(p.read_bytes()):
                outs += 1
        except OSError:
            pass
    try:
        errors = sum(1 for line in errlog.read_bytes().splitlines() if line.startswith(b"Error:"))
    except OSError:
        errors = 0
    return outs + errors


def _wait_with_progress(proc: subprocess.Popen, progress, budget: float, per_item: float, startup: float) -> bool:
    """Wait for LibreOffice; kill it (True) when it makes no progress for `per_item` seconds (plus
    `startup` before the first document) or runs longer than `budget`."""
    t0 = last = time.monotonic()
    seen = 0
    while True:
        try:
            proc.wait(timeout=0.25)
            return False
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        n = progress()
        if n != seen:
            seen, last = n, now
        if now - last > per_item + (startup if seen == 0 else 0) or now - t0 > budget:
            _kill_group(proc)
            return True


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
