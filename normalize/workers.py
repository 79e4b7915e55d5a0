"""Run a function over many argument tuples in worker processes, surviving the death of a worker.

A worker killed from outside (the OOM killer, a signal) breaks a `ProcessPoolExecutor`: every pending
future fails with `BrokenProcessPool`. `map_in_workers` then runs each job whose result was lost once
more in a forked child of its own (`limits.run_isolated`, memory and time bounded); a job that kills that
child too gets `on_lost(args, message)` as its result. So one document can never sink a whole build.

With workers <= 1 the jobs run in this process, their isolated extractions in one warm child
(`limits.warm_children`, stopped when the map ends) rather than a fork per document.

Results come back in input order. Workers come from a forkserver: the build may run in a process that
has threads (after an in-process crawl), and forking such a process can deadlock.
"""
from __future__ import annotations

import os
from itertools import islice
from typing import Callable, Iterable, Iterator


def map_in_workers(fn: Callable, args: Iterable[tuple], *, workers: int, on_lost: Callable[[tuple, str], object],
                   timeout: float = 600.0, max_memory_mb: int = 4096, chunk: int = 64) -> Iterator:
    """Yield fn(*a) for every a in args, in order (see module doc). args may be any iterable (a generator):
    it is read a window (chunk × workers) ahead of the results, never whole."""
    if workers <= 1:
        from .extract.limits import warm_children

        with warm_children():  # one warm isolated child for the documents of this map, as in a worker
            for a in args:
                yield fn(*a)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["normalize.forkserver_guard"])  # before the forkserver starts: dies with us
    os.environ["OGI_BUILD_PID"] = str(os.getpid())  # the forkserver and workers check it is alive
    todo = iter(args)
    while True:
        # a bounded window of futures: results stream out in order, and a broken pool loses at most
        # one window
        batch = list(islice(todo, chunk * workers))
        if not batch:
            return
        window = range(len(batch))
        lost: list[int] = []
        results: dict[int, object] = {}
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init) as pool:
            futures = {i: pool.submit(fn, *batch[i]) for i in window}
            for i in window:
                try:
                    results[i] = futures[i].result()
                except BrokenProcessPool:
                    lost.append(i)
                if not lost:
                    yield results.pop(i)
        for i in window:
            if i in results:
                yield results.pop(i)
            elif i in lost:
                yield _retry_alone(fn, batch[i], on_lost, timeout, max_memory_mb)


def _worker_init() -> None:
    from .extract.limits import die_with_build, reuse_children

    die_with_build()
    reuse_children()  # a worker extracts many documents: one warm isolated child serves them in turn


def _retry_alone(fn, a: tuple, on_lost, timeout: float, max_memory_mb: int):
    from .document import ExtractError
    from .extract.limits import run_isolated

    try:
        return run_isolated(fn, a, timeout=timeout, max_memory_mb=max_memory_mb)
    except ExtractError as exc:
        return on_lost(a, f"{exc.rule}: {exc.message}")
