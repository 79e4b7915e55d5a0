"""Resource limits for extraction, and the guards that enforce them.

Every extractor reads untrusted bytes from the web archive, so time and memory must stay bounded:

- `Limits` caps the input size, zip members (declared total size, compression ratio, count), PDF pages,
  table grids (cells, spans), nesting depth and the wall time of conversions and PDF extraction.
- `check_zip` looks at the zip central directory *before* anything is decompressed (zip bombs are
  refused by their declared sizes and ratios) and `read_member` never reads more than it allowed.
- `run_isolated` runs an extractor in a forked child with an address-space limit and a wall-clock
  timeout; `extract_bytes` uses it for the formats in `Limits.isolate_formats` — PDF, HTML,
  MHTML, DOCX and XLSX by default (a 48 MB HTML of 12.6 M paragraphs took 164 s and 6 GB in-process: the cost of lxml,
  python-docx or openpyxl on hostile input cannot be bounded from inside either). The child dies with
  its parent (PR_SET_PDEATHSIG), so a killed build leaves no extraction running.
- `limits_from_env` lets an operator (or a test) tighten the time and memory bounds of a build:
  ``OGI_EXTRACT_TIMEOUT`` (seconds) and ``OGI_EXTRACT_MAX_MEMORY_MB``.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..document import ExtractError

MB = 1024 * 1024


# the formats with a parser library whose cost cannot be bounded from inside (text dumps and images are
# read by our own linear code); doc/wps/rtf are isolated as the DOCX LibreOffice makes of them
ISOLATED_FORMATS = frozenset({"pdf", "html", "mhtml", "docx", "xlsx"})


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * MB  # input document size
    max_unzipped_bytes: int = 200 * MB  # declared total uncompressed size of a zip container
    max_member_bytes: int = 100 * MB  # declared uncompressed size of any one member we read
    max_zip_ratio: float = 200.0  # per-member uncompressed/compressed ratio (members over 1 MB only)
    max_zip_members: int = 5000
    max_pdf_pages: int = 200  # pages beyond this are not read (warning 'too_many_pages')
    max_page_objects: int = 20000  # path objects on a PDF page above which table finding is skipped
    max_table_cells: int = 100_000  # rows x columns of one expanded grid
    max_span: int = 1000  # rowspan / colspan / gridSpan values are clipped to this
    max_depth: int = 200  # element nesting beyond this is flattened to text
    timeout: float = 120.0  # seconds: wall time of an isolated extraction (PDF)
    convert_timeout: float = 120.0  # seconds: one LibreOffice conversion of a single document
    max_memory_mb: int = 2048  # address space added for an isolated extraction
    isolate_formats: frozenset = field(default_factory=lambda: ISOLATED_FORMATS)
    cache_dir: Optional[str] = None  # LibreOffice conversion cache (sha256-keyed), None = no cache


DEFAULT_LIMITS = Limits()


def limits_from_env(base: Limits = DEFAULT_LIMITS) -> Limits:
    """`base` with the time/memory bounds an operator set in the environment (see module doc)."""
    import dataclasses

    changes = {}
    if os.environ.get("OGI_EXTRACT_TIMEOUT"):
        changes["timeout"] = float(os.environ["OGI_EXTRACT_TIMEOUT"])
    if os.environ.get("OGI_EXTRACT_MAX_MEMORY_MB"):
        changes["max_memory_mb"] = int(os.environ["OGI_EXTRACT_MAX_MEMORY_MB"])
    return dataclasses.replace(base, **changes) if changes else base

_RATIO_MIN_SIZE = 1 * MB


def check_zip(zf: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip whose directory promises too much. Raises ExtractError('zip_bomb', ...)."""
    infos = zf.infolist()
    if len(infos) > limits.max_zip_members:
        raise ExtractError("zip_bomb", f"zip has {len(infos)} members (limit {limits.max_zip_members})")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_member_bytes:
            raise ExtractError(
                "zip_bomb",
                f"zip member {info.filename!r} declares {info.file_size} bytes (limit {limits.max_member_bytes})",
            )
        if info.file_size > _RATIO_MIN_SIZE:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_zip_ratio:
                raise ExtractError(
                    "zip_bomb",
                    f"zip member {info.filename!r} compresses {ratio:.0f}:1 (limit {limits.max_zip_ratio:.0f}:1)",
                )
    if total > limits.max_unzipped_bytes:
        raise ExtractError("zip_bomb", f"zip declares {total} bytes uncompressed (limit {limits.max_unzipped_bytes})")


def read_member(zf: zipfile.ZipFile, name: str, limits: Limits) -> bytes:
    """Read one member, never more than its declared size allows (and never more than the limit)."""
    info = zf.getinfo(name)
    cap = min(info.file_size, limits.max_member_bytes)
    with zf.open(info) as fh:
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise ExtractError("zip_bomb", f"zip member {name!r} is larger than declared")
    return data


# --------------------------------------------------------------------------- isolation

def die_with_parent() -> None:
    """Linux: this process gets SIGKILL when the thread that forked it exits (a killed build or
    nightly leaves no extraction child behind). No-op elsewhere."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def die_with_build() -> None:
    """For the build's forkserver and parse workers: die with the parent, and exit at once when the
    build process (``OGI_BUILD_PID``) died before the death signal was armed (a kill during start-up)."""
    die_with_parent()
    try:
        os.kill(int(os.environ.get("OGI_BUILD_PID", "0")), 0)
    except ProcessLookupError:
        os._exit(1)
    except (ValueError, OSError):
        pass


def _child_limits(max_memory_mb: int, parent: int) -> Optional[int]:
    """Arm the death signal and cap the address space; returns the cap in bytes (None when not set)."""
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(1)
    try:
        import resource

        with open("/proc/self/statm") as fh:
            vm_pages = int(fh.read().split()[0])
        current = vm_pages * os.sysconf("SC_PAGE_SIZE")
        cap = current + max_memory_mb * MB
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        return cap
    except Exception:
        return None


def _hit_cap(cap: Optional[int]) -> bool:
    """True when this process's peak address space reached its cap: an allocation failed, whatever
    exception a library turned that into (lxml's 'Memory allocation failed', a zip read error …)."""
    if cap is None:
        return False
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024 >= cap - 64 * MB
    except (OSError, ValueError):
        pass
    return False


def _call_in_child(fn: Callable, args: tuple, cap: Optional[int], max_memory_mb: int) -> tuple[bool, bytes]:
    """(In an isolated child.) (ok, fn(*args) as a pickled ("ok", result) or ("err", rule, message))."""
    out_of_memory = ("err", "memory_limit", f"out of memory while extracting (limit {max_memory_mb} MB)")
    oom = pickle.dumps(out_of_memory)  # made before fn runs: saying so must not need memory
    try:
        return _report(fn, args, cap, out_of_memory)
    except MemoryError:  # raised again while reporting (reading /proc, pickling an exception's text)
        return False, oom


def _report(fn: Callable, args: tuple, cap: Optional[int], out_of_memory: tuple) -> tuple[bool, bytes]:
    try:
        result = fn(*args)
        # an extractor that caught the failed allocation and gave up: an empty Document with issues
        gave_up = getattr(result, "blocks", None) == [] and bool(getattr(result, "issues", None))
        if gave_up and _hit_cap(cap):
            return False, pickle.dumps(out_of_memory)
        return True, pickle.dumps(("ok", result), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return False, pickle.dumps(out_of_memory)
    except ExtractError as e:
        return False, pickle.dumps(out_of_memory if _hit_cap(cap) else ("err", e.rule, e.message))
    except BaseException as e:  # noqa: BLE001 - report everything to the parent
        return False, pickle.dumps(out_of_memory if _hit_cap(cap) else
                                   ("err", "extraction_failed", f"{type(e).__name__}: {e}"[:500]))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view[:65536])
        view = view[n:]


def _died(status: int, max_memory_mb: int) -> ExtractError:
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    if sig in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
        return ExtractError("memory_limit", f"extractor died (signal {sig}); memory limit {max_memory_mb} MB")
    return ExtractError("extraction_failed", f"extractor exited without a result (status {status})")


def run_isolated(fn: Callable, args: tuple, *, timeout: float, max_memory_mb: int, reuse: bool = False):
    """Run fn(*args) in a forked child with a memory cap and a wall-clock timeout.

    Returns fn's (picklable) result. Raises ExtractError('timeout' | 'memory_limit' |
    'extraction_failed') when the child is killed or dies. Falls back to a direct call where
    fork is unavailable. The child never returns into the caller's code: it always `os._exit`s.

    reuse=True (extract_bytes asks for it) lets a process that called `reuse_children()` (the build's
    parse workers) run fn in its warm child instead of a new fork (see children.py); the bounds and the
    outcome of a document are the same.
    """
    if not hasattr(os, "fork"):
        return fn(*args)
    if reuse and _REUSE[0]:
        from .children import run_in_warm_child

        return run_in_warm_child(fn, args, timeout=timeout, max_memory_mb=max_memory_mb)
    return _run_forked(fn, args, timeout=timeout, max_memory_mb=max_memory_mb)


_REUSE = [False]


def reuse_children(enabled: bool = True) -> None:
    """Let this process run its isolated extractions (run_isolated(..., reuse=True)) in one warm child
    that serves several documents (children.py): for processes that extract many documents, such as the
    build's parse workers. Off by default: a warm child does not see later changes to its parent
    (a test's monkeypatch)."""
    _REUSE[0] = enabled


@contextmanager
def warm_children():
    """Within this block, the process's isolated extractions run in one warm child (`reuse_children`),
    forked at the first and stopped when the block ends: for a process that extracts several documents
    in a row (a build parsing in its own process, `ogi parse` of several files). The child is forked
    inside the block, so it sees the parent as it is then. Nested in a process where reuse is already on
    (a build worker), it changes nothing."""
    if _REUSE[0]:
        yield
        return
    reuse_children(True)
    try:
        yield
    finally:
        reuse_children(False)
        from .children import stop_warm_child

        stop_warm_child()


def _run_forked(fn: Callable, args: tuple, *, timeout: float, max_memory_mb: int):
    """run_isolated in a new child of its own."""
    rfd, wfd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # child
        status = 0
        try:
            os.close(rfd)
            cap = _child_limits(max_memory_mb, parent)
            _write_all(wfd, _call_in_child(fn, args, cap, max_memory_mb)[1])
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    # parent
    os.close(wfd)
    chunks = []
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([rfd], [], [], min(remaining, 1.0))
            if not ready:
                continue
            chunk = os.read(rfd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(rfd)
        if timed_out:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
    if timed_out:
        raise ExtractError("timeout", f"extraction took longer than {timeout:.0f} s and was stopped")
    if not chunks:
        raise _died(status, max_memory_mb)
    result = pickle.loads(b"".join(chunks))
    if result[0] == "ok":
        return result[1]
    raise ExtractError(result[1], result[2])
