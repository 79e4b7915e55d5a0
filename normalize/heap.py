"""Give freed heap memory back to the operating system between the build's batches (issue 9).

A write batch loads the full parse results of about 2,000 documents, makes their rows and drops them;
glibc keeps the freed pages in its arenas, so the process's resident size stays at its high-water
mark and grows with fragmentation over a long build. `malloc_trim(0)` returns the free pages; it costs
a few milliseconds. A no-op where the C library has no malloc_trim (musl, macOS).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        fn = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes, fn.restype = [ctypes.c_size_t], ctypes.c_int
    return fn


def trim() -> bool:
    """Return free heap pages to the system; True when the C library could."""
    fn = _malloc_trim()
    if fn is None:
        return False
    fn(0)
    return True


def compact(value):
    """`value` (decoded JSON) with its dict keys interned: json.loads makes new key strings for every
    document, and the build keeps a light summary and the sidecar meta of every document of the
    corpus (about 1.5 KB of repeated keys each)."""
    if type(value) is dict:
        return {_intern(k): compact(v) for k, v in value.items()}
    if type(value) is list:
        return [compact(v) for v in value]
    return value


def _intern(k):
    return sys.intern(k) if type(k) is str else k
