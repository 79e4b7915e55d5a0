"""Command line of the fixture portal: ``serve`` (foreground, Ctrl-C stops) and ``expected`` (JSON)."""
from __future__ import annotations

import argparse
import json
import sys

from .scenarios import SCENARIOS


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ogi.portal", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="serve the fixture portal in the foreground")
    s.add_argument("--port", type=int, default=8800)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--scenario", default="default", choices=sorted(SCENARIOS))
    s.add_argument("--slow-seconds", type=float, default=None, help="sleep of the 'slow' fault")
    s.add_argument("-v", "--verbose", action="store_true", help="log every request")
    e = sub.add_parser("expected", help="print the expected manifest of a scenario as JSON")
    e.add_argument("--scenario", default="default", choices=sorted(SCENARIOS))
    r = sub.add_parser("registry", help="print the registry rows of a scenario as JSON")
    r.add_argument("--scenario", default="default", choices=sorted(SCENARIOS))
    args = ap.parse_args(argv)

    if args.cmd == "expected":
        from .world import manifest_json
        sys.stdout.write(manifest_json(args.scenario) + "\n")
        return 0
    if args.cmd == "registry":
        from .world import registry_rows
        sys.stdout.write(json.dumps(registry_rows(args.scenario), ensure_ascii=False, indent=1) + "\n")
        return 0
    from .server import Portal
    portal = Portal(args.scenario, args.port, args.host, slow_seconds=args.slow_seconds, verbose=args.verbose)
    sys.stderr.write(f"ogi fixture portal ({args.scenario}) on {portal.url} — use it as an HTTP proxy; Ctrl-C stops\n")
    try:
        portal.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        portal._server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
