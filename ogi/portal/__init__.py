"""The fixture portal: a local stand-in for the real gov.cn portals (PORTALS.md §8).

    from ogi.portal import start_portal, expected, registry_rows
    with start_portal(scenario="default") as portal:   # background thread, free port
        ...  # crawl with meta['proxy'] = portal.url
    truth = expected("default")       # reports, negatives, host_status, pagination, faults
    rows = registry_rows("default")   # registry entries for the scenario's sites

CLI: ``python -m ogi.portal serve --port 8800 --scenario default`` and
``python -m ogi.portal expected --scenario default``.
"""
from .scenarios import SCENARIOS
from .server import Portal, start_portal
from .world import expected, registry_rows

__all__ = ["Portal", "SCENARIOS", "expected", "registry_rows", "start_portal"]
