"""A warm isolated child: one forked, bounded process that extracts several documents in turn.

`limits.run_isolated` forks a child per document. In a process that extracts thousands of documents
(the build's parse workers) the fork, the copy-on-write faults of a fresh child and PDFium's caches
(fonts, CMaps) rebuilt for every document cost about as much as extracting a short PDF. With
`limits.reuse_children()`, `run_isolated(..., reuse=True)` sends the call (pickled function and
arguments) to a child forked once and kept while it stays small:

- bounds: the child runs under the same address-space cap as a forked child (its size at fork +
  `max_memory_mb`), and the parent waits at most `timeout` for each answer, then SIGKILLs it. The child
  dies with its parent (PR_SET_PDEATHSIG).
- a child is retired after answering when its peak address space has grown more than `headroom(M)`
  (a quarter of the limit, at most 256 MB) above its size at fork, after any error, and after
  `MAX_CALLS` calls; so every document starts in a child that left it at least 3/4 of its memory limit.
- outcome: a document that runs out of memory or kills a child that had served others before is run
  once more in a fresh forked child (`_run_forked`), so its result never depends on the documents
  before it. A timeout is not re-run (it would only double the wait). A dying document costs only
  itself: the next call starts a new child.

Calls whose function cannot be pickled (a closure), and calls made while another thread of the process
is using the warm child, run in a fresh fork as before.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import threading
import time
from typing import Callable, Optional

from ..document import ExtractError
from .limits import MB, _call_in_child, _child_limits, _died, _run_forked, _write_all

MAX_CALLS = 500  # calls a warm child serves before it is replaced (bounds slow leaks)
_LEN = struct.Struct("<Q")


def headroom(max_memory_mb: int) -> int:
    """Bytes a warm child may have grown (peak) above its size at fork and still take another call."""
    return max(0, min(max_memory_mb // 4, max_memory_mb - 80, 256)) * MB


class _Child:
    def __init__(self, max_memory_mb: int):
        self.max_memory_mb = max_memory_mb
        self.owner = os.getpid()
        self.calls = 0
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            status = 0
            try:
                os.close(req_w)
                os.close(resp_r)
                _serve(req_r, resp_w, max_memory_mb, self.owner)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(req_r)
        os.close(resp_w)
        self.pid, self.req, self.resp = pid, req_w, resp_r

    def call(self, request: bytes, timeout: float) -> tuple:
        """(retire, payload tuple); raises ExtractError('timeout' | 'memory_limit' | 'extraction_failed')."""
        deadline = time.monotonic() + timeout
        try:
            _write_all(self.req, _LEN.pack(len(request)) + request)
        except OSError:  # the idle child is gone (killed from outside)
            raise _died(self.close(kill=False), self.max_memory_mb) from None
        buf = bytearray()
        need: Optional[int] = None
        while need is None or len(buf) < need:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                raise ExtractError("timeout", f"extraction took longer than {timeout:.0f} s and was stopped")
            ready, _, _ = select.select([self.resp], [], [], min(remaining, 1.0))
            if not ready:
                continue
            chunk = os.read(self.resp, 1 << 20)
            if not chunk:
                raise _died(self.close(kill=False), self.max_memory_mb)
            buf += chunk
            if need is None and len(buf) >= _LEN.size:
                need = _LEN.size + _LEN.unpack_from(buf)[0]
        self.calls += 1
        return pickle.loads(bytes(buf[_LEN.size:need]))

    def close(self, kill: bool = True) -> int:
        """Stop the child and reap it; returns its wait status. It is idle, retiring or hung: SIGKILL
        loses nothing (an idle child would also end at the end of its request pipe, but a forked
        process may still hold that pipe open). kill=False only when the child is known to have died."""
        for fd in (self.req, self.resp):
            try:
                os.close(fd)
            except OSError:
                pass
        if kill:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            return os.waitpid(self.pid, 0)[1]
        except ChildProcessError:
            return 0


def _read_exact(fd: int, n: int) -> Optional[bytes]:
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, min(n - len(buf), 1 << 20))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _vm_peak() -> Optional[int]:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _serve(req: int, resp: int, max_memory_mb: int, parent: int) -> None:
    """(In the warm child.) Answer calls until the parent closes the pipe or the child must retire."""
    cap = _child_limits(max_memory_mb, parent)
    start = _vm_peak()
    calls = 0
    while True:
        head = _read_exact(req, _LEN.size)
        if head is None:
            return
        body = _read_exact(req, _LEN.unpack(head)[0])
        if body is None:
            return
        try:
            fn, args = pickle.loads(body)
            ok, payload = _call_in_child(fn, args, cap, max_memory_mb)
        except BaseException as e:  # noqa: BLE001 - e.g. the function cannot be found in this child
            ok, payload = False, pickle.dumps(("err", "extraction_failed", f"{type(e).__name__}: {e}"[:500]))
        calls += 1
        peak = _vm_peak()
        retire = (not ok or cap is None or start is None or peak is None or peak - start > headroom(max_memory_mb)
                  or calls >= MAX_CALLS)
        answer = pickle.dumps((retire, payload), protocol=pickle.HIGHEST_PROTOCOL)
        _write_all(resp, _LEN.pack(len(answer)) + answer)
        if retire:
            return


_WARM: dict[str, _Child] = {}


def _warm(max_memory_mb: int) -> _Child:
    child = _WARM.get("child")
    if child is not None and (child.owner != os.getpid() or child.max_memory_mb != max_memory_mb):
        if child.owner == os.getpid():
            child.close()
        child = None  # a child of our parent (we are a fork of it) is not ours to use or stop
    if child is None:
        child = _WARM["child"] = _Child(max_memory_mb)
    return child


def stop_warm_child() -> None:
    """Stop this process's warm child, if any (it also stops when this process exits)."""
    child = _WARM.pop("child", None)
    if child is not None and child.owner == os.getpid():
        child.close()


_IN_USE = threading.Lock()  # one call at a time talks to the warm child


def run_in_warm_child(fn: Callable, args: tuple, *, timeout: float, max_memory_mb: int):
    """run_isolated's contract (see module doc). A call that cannot be pickled (a closure), or made while
    another thread of this process is using the warm child, runs in a fresh fork."""
    try:
        request = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - a closure or other unpicklable call: a fresh fork
        return _run_forked(fn, args, timeout=timeout, max_memory_mb=max_memory_mb)
    if not _IN_USE.acquire(blocking=False):
        return _run_forked(fn, args, timeout=timeout, max_memory_mb=max_memory_mb)
    try:
        return _call_warm(fn, args, request, timeout, max_memory_mb)
    finally:
        _IN_USE.release()


def _call_warm(fn: Callable, args: tuple, request: bytes, timeout: float, max_memory_mb: int):
    child = _warm(max_memory_mb)
    fresh = child.calls == 0
    try:
        retire, payload = child.call(request, timeout)
    except ExtractError as e:
        _WARM.pop("child", None)
        if e.rule == "memory_limit" and not fresh:
            return _run_forked(fn, args, timeout=timeout, max_memory_mb=max_memory_mb)
        raise
    if retire:
        _WARM.pop("child", None)
        child.close()
    result = pickle.loads(payload)
    if result[0] == "ok":
        return result[1]
    if result[1] == "memory_limit" and not fresh:
        return _run_forked(fn, args, timeout=timeout, max_memory_mb=max_memory_mb)
    raise ExtractError(result[1], result[2])
