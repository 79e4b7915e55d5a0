"""Imported by the build's forkserver when it starts (multiprocessing forkserver preload): the
forkserver dies with the process that started it, so a killed build or nightly does not leave it — and
through it the parse workers (armed in `workers._worker_init`) — running, holding the killed run's
stdout open."""
from .extract.limits import die_with_build

die_with_build()
