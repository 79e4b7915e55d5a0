"""Serve the published database with Datasette 0.65.x.

The file is served immutable with SQL time limits. A new build is published by atomic rename
(normalize.build); the `republish` plugin (ogi/datasette_plugins/) swaps Datasette over to the new file
between two requests, without a restart, so readers never see a half-built database and no request is
refused during a publish.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parent.parent
METADATA = REPO / "metadata.json"
PLUGINS = Path(__file__).resolve().parent / "datasette_plugins"


def metadata_data(db: Path, metadata: Path = METADATA) -> dict:
    """metadata.json describes the database "ogi"; Datasette names a database after its file, so a
    database served from another file name gets the metadata under its own name."""
    data = json.loads(metadata.read_text("utf-8"))
    if db.stem == "ogi":
        return data
    data["databases"] = {db.stem: data["databases"]["ogi"]}
    for dash in (data.get("plugins", {}).get("datasette-dashboards") or {}).values():
        for item in [*dash.get("charts", {}).values(), *dash.get("filters", {}).values()]:
            if item.get("db") == "ogi":
                item["db"] = db.stem
    return data


def metadata_for(db: Path, metadata: Path = METADATA) -> Path:
    """The metadata file to give `datasette serve` for `db` (metadata_data, written when renamed)."""
    if db.stem == "ogi":
        return metadata
    data = metadata_data(db, metadata)
    # one file per served database, rewritten on each start (a fresh temp file per start piled up in /tmp)
    tag = hashlib.sha1(str(Path(db).resolve()).encode()).hexdigest()[:10]
    out = Path(tempfile.gettempdir()) / f"ogi-metadata-{db.stem}-{tag}.json"
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    os.replace(tmp, out)
    return out


def site_options(db: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """The build's inspect file and a long cache TTL (the file is immutable: a new build is a new file
    and a restart). The site's templates and hooks come with the `ogi_site` plugin (entry point, see
    ogi/site/plugin.py), so `extra` — passed through from `ogi serve`, last — may name its own
    --template-dir / --plugins-dir / --setting."""
    from normalize.exports import read_inspect  # the build names the file; serve only looks for it

    inspect = read_inspect(Path(db))
    return [
        *(["--inspect-file", str(inspect)] if inspect else []),
        "--setting", "default_cache_ttl", "86400",
        *extra,
    ]


SETTINGS = {
    "sql_time_limit_ms": 5000,
    "max_returned_rows": 5000,
    "facet_time_limit_ms": 100,  # a facet that costs more is dropped, not waited for
    "suggest_facets": False,  # suggestions ran ~60 queries a table page (issue 9)
    "default_page_size": 50,
    # a table page shows the first 300 characters of a long text (a section is ~2,000): the full text
    # is on the row page, the report page and in .json/.csv (rendering 50 whole sections cost ~100 ms)
    "truncate_cells_html": 300,
    "allow_download": True,
}


def _setting_args() -> list[str]:
    out = []
    for k, v in SETTINGS.items():
        out += ["--setting", k, ("on" if v else "off") if isinstance(v, bool) else str(v)]
    return out


def datasette_command(db: Path, *, host: str = "127.0.0.1", port: int = 8001, metadata: Path = METADATA,
                      extra: tuple[str, ...] = ()) -> list[str]:
    metadata = metadata_for(db, metadata)
    return [
        sys.executable, "-m", "datasette", "serve", "-i", str(db),
        "--metadata", str(metadata), "--host", host, "--port", str(port),
        "--static", f"ogi-static:{Path(__file__).resolve().parent / 'static'}",
        "--plugins-dir", str(PLUGINS),
        *_setting_args(),
        *site_options(db, extra),
    ]


def datasette_app(db: Path, *, metadata: Path = METADATA, template_dir: Optional[Path] = None):
    """The Datasette `ogi serve` runs, made in this process (tests and profiling call it with
    `await ds.invoke_startup()` then `ds.client.get(...)`): same metadata, plugins, settings and inspect file."""
    from datasette.app import Datasette

    from normalize.exports import read_inspect

    db = Path(db)
    inspect = read_inspect(db)
    return Datasette(files=[], immutables=[str(db)], metadata=metadata_data(db, metadata),
                     plugins_dir=str(PLUGINS), template_dir=str(template_dir) if template_dir else None,
                     inspect_data=json.loads(Path(inspect).read_text("utf-8")) if inspect else None,
                     settings={**SETTINGS, "default_cache_ttl": 86400})


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on `host` now (tests and benchmarks start their servers on one)."""
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_ready(port: int, host: str = "127.0.0.1", timeout: float = 30.0) -> bool:
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/-/versions.json", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def serve(db: Path, *, host: str = "127.0.0.1", port: int = 8001, on_ready=None, poll: float = 2.0,
          extra: tuple[str, ...] = ()) -> int:
    """Run Datasette until interrupted (it follows `db` to every new build by itself)."""
    db = Path(db)
    if not db.exists():
        raise FileNotFoundError(f"{db} does not exist: run `ogi build` first")
    stop = False

    def _stop(*_):
        nonlocal stop
        stop = True

    old = signal.signal(signal.SIGTERM, _stop)
    old_int = signal.signal(signal.SIGINT, _stop)  # Ctrl-C reaches Datasette too (same process group)
    proc = None
    try:
        while not stop:
            proc = subprocess.Popen(datasette_command(db, host=host, port=port, extra=extra))
            if wait_ready(port, host) and on_ready:
                on_ready(f"http://{host}:{port}/")
            while not stop and proc.poll() is None:
                time.sleep(poll)
            if proc.poll() is not None and not stop:
                print(f"[ogi serve] Datasette exited with status {proc.returncode}", file=sys.stderr)
                return proc.returncode or 1
            _terminate(proc)
    except KeyboardInterrupt:
        pass
    finally:
        if proc is not None:
            _terminate(proc)
        signal.signal(signal.SIGTERM, old)
        signal.signal(signal.SIGINT, old_int)
    return 0


def _terminate(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
