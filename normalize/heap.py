"""Give freed heap memory back to the operating system between the build's batches (issue 9).

A write batch loads the full parse results of about 2,000 documents, makes their rows and drops them;
glibc keeps the freed pages in its arenas, so the process's resident size stays at its high-water
mark and grows with fragmentation over a long build. `malloc_trim(0)` returns the free pages; it costs
a few milliseconds. A no-op where the C library has no malloc_trim (musl, macOS).
"""
from __future__ import annotations

import ctypes
import ctypes.util
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
