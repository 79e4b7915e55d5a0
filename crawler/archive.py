"""Content-addressed raw archive (the only thing the crawler hands to normalize).

Layout under the archive root (default ``data/archive``)::

    blobs/ab/abcdef…            the fetched bytes, named by their sha256 (written once)
    fetches/ab/abcdef…/<k>.json  one JSON sidecar per (bytes, url): url, final_url, status, headers,
                                 fetched_at, last_seen_at, site, referrer, kind, meta …
    runs/<run_id>/manifest.jsonl one line per request outcome of a crawl run (ok, failed, blocked…)
    runs/<run_id>/summary.json   the run's totals, per-site counts and errors
    state/fingerprints.json      per-site listing fingerprints (see crawler/incremental.py)

Writes go to a temporary file in the same directory and are moved into place with ``os.replace``,
so a crash never leaves a partial blob or sidecar under its final name, and concurrent writers of
the same bytes are safe (the last rename wins with identical content).

The on-disk format is the contract between ``crawler`` and ``normalize``; ``normalize`` reads it
with its own reader and never imports this module.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Optional

SIDECAR_VERSION = 1


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utcnow() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{os.getpid()}-", suffix=path.name[-8:])
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _merge_meta(record: dict, meta: dict[str, Any]) -> None:
    """Merge listing context into a sidecar's ``meta``: new keys win, None never overwrites, and
    ``listed_entries`` (every (listed title, listed date) the URL was listed under) accumulates."""
    target = record.setdefault("meta", {})
    for k, v in meta.items():
        if v is None:
            continue
        if k == "listed_entries":
            have = target.setdefault(k, [])
            for entry in v:
                if list(entry) not in have:
                    have.append(list(entry))
        else:
            target[k] = v


@dataclass
class StoredFetch:
    sha256: str
    sidecar_path: Path
    new_blob: bool
    new_sidecar: bool


class Archive:
    def __init__(self, root: os.PathLike | str):
        self.root = Path(root)

    # -- paths ---------------------------------------------------------------------------------
    def blob_path(self, sha: str) -> Path:
        return self.root / "blobs" / sha[:2] / sha

    def sidecar_dir(self, sha: str) -> Path:
        return self.root / "fetches" / sha[:2] / sha

    @staticmethod
    def sidecar_key(url: str) -> str:
        return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]

    # -- writing -------------------------------------------------------------------------------
    def put_blob(self, data: bytes) -> tuple[str, bool]:
        """Store bytes under their sha256. Returns (sha256, newly_written)."""
        sha = sha256_bytes(data)
        path = self.blob_path(sha)
        if path.exists() and path.stat().st_size == len(data):
            return sha, False
        _atomic_write(path, data)
        return sha, True

    def store(
        self,
        data: bytes,
        *,
        url: str,
        final_url: Optional[str] = None,
        status: int = 200,
        headers: Optional[dict[str, Any]] = None,
        site: Optional[str] = None,
        referrer: Optional[str] = None,
        kind: str = "page",
        run_id: Optional[str] = None,
        meta: Optional[dict[str, Any]] = None,
        fetched_at: Optional[str] = None,
    ) -> StoredFetch:
        """Archive one fetched response. Storing the same bytes from the same URL again only
        refreshes ``last_seen_at`` (and merges new ``meta`` keys) in the existing sidecar."""
        sha, new_blob = self.put_blob(data)
        now = fetched_at or utcnow()
        sidecar = self.sidecar_dir(sha) / f"{self.sidecar_key(url)}.json"
        record: dict[str, Any]
        new_sidecar = not sidecar.exists()
        if new_sidecar:
            record = {
                "version": SIDECAR_VERSION,
                "sha256": sha,
                "size": len(data),
                "url": url,
                "final_url": final_url or url,
                "status": status,
                "headers": headers or {},
                "fetched_at": now,
                "last_seen_at": now,
                "site": site,
                "referrer": referrer,
                "kind": kind,
                "run_ids": [run_id] if run_id else [],
                "meta": {},
            }
            _merge_meta(record, meta or {})
        else:
            record = json.loads(sidecar.read_text("utf-8"))
            record["last_seen_at"] = now
            record["status"] = status
            if final_url:
                record["final_url"] = final_url
            if run_id and run_id not in record.get("run_ids", []):
                record.setdefault("run_ids", []).append(run_id)
            if meta:
                _merge_meta(record, meta)
            if kind and record.get("kind") in (None, "page", "other"):
                record["kind"] = kind
        _atomic_write(sidecar, json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8"))
        return StoredFetch(sha, sidecar, new_blob, new_sidecar)

    def annotate(self, sha: str, url: str, meta: dict[str, Any]) -> bool:
        """Merge ``meta`` into the sidecar of (sha, url). Returns False when there is no sidecar."""
        sidecar = self.sidecar_dir(sha) / f"{self.sidecar_key(url)}.json"
        if not sidecar.exists():
            return False
        record = json.loads(sidecar.read_text("utf-8"))
        _merge_meta(record, meta)
        _atomic_write(sidecar, json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8"))
        return True

    def touch(self, url: str, run_id: str, *, sha256: Optional[str] = None, meta: Optional[dict[str, Any]] = None,
              at: Optional[str] = None) -> Optional[dict]:
        """Record that ``url`` was still listed in run ``run_id`` without fetching it again (incremental
        runs): append the run id to its sidecar, refresh ``last_seen_at`` and merge ``meta``; ``fetched_at``,
        status and bytes stay as they were. The sidecar is the one of (``sha256``, url) when given, else
        the newest sidecar of the URL with status 200 (older versions of a revised page are not touched:
        they are no longer what the URL serves). Returns the updated record, or None when there is none."""
        if sha256:
            sidecar = self.sidecar_dir(sha256) / f"{self.sidecar_key(url)}.json"
            if not sidecar.exists():
                return None
        else:
            found = [(r.get("last_seen_at") or "", r.get("fetched_at") or "", p)
                     for p, r in self._sidecars_of(url) if r.get("status") == 200]
            if not found:
                return None
            sidecar = max(found)[2]
        record = json.loads(sidecar.read_text("utf-8"))
        record["last_seen_at"] = at or utcnow()
        if run_id not in record.setdefault("run_ids", []):
            record["run_ids"].append(run_id)
        if meta:
            _merge_meta(record, meta)
        _atomic_write(sidecar, json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8"))
        return record

    def _sidecars_of(self, url: str) -> Iterable[tuple[Path, dict]]:
        for path in (self.root / "fetches").glob(f"*/*/{self.sidecar_key(url)}.json"):
            try:
                record = json.loads(path.read_text("utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            if record.get("url") == url:
                yield path, record

    # -- reading back (incremental runs) ------------------------------------------------------------
    def url_index(self) -> dict[str, dict]:
        """The newest sidecar of every URL in the archive (newest ``last_seen_at``, then ``fetched_at``),
        with its path. One pass over ``fetches/``; an incremental run reads it once at its start."""
        index: dict[str, dict] = {}
        base = self.root / "fetches"
        if not base.exists():
            return index
        for path in base.glob("*/*/*.json"):
            try:
                record = json.loads(path.read_text("utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            url = record.get("url")
            if not url:
                continue
            cur = index.get(url)
            key = (record.get("last_seen_at") or "", record.get("fetched_at") or "")
            if cur is None or key > (cur.get("last_seen_at") or "", cur.get("fetched_at") or ""):
                record["sidecar_path"] = str(path)
                index[url] = record
        return index

    # -- state (listing fingerprints) ---------------------------------------------------------------
    def state_path(self, name: str) -> Path:
        return self.root / "state" / f"{name}.json"

    def read_state(self, name: str) -> dict:
        path = self.state_path(name)
        try:
            return json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return {}

    def write_state(self, name: str, data: dict) -> Path:
        path = self.state_path(name)
        _atomic_write(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
        return path

    # -- runs ------------------------------------------------------------------------------------
    def run_dir(self, run_id: str) -> Path:
        return self.root / "runs" / run_id

    def write_summary(self, run_id: str, summary: dict) -> Path:
        path = self.run_dir(run_id) / "summary.json"
        _atomic_write(path, json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
        return path


class Manifest:
    """Append-only JSON-lines log of every request outcome in one run."""

    def __init__(self, archive: Archive, run_id: str):
        self.path = archive.run_dir(run_id) / "manifest.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8")

    def write(self, **entry: Any) -> None:
        entry.setdefault("at", utcnow())
        self._fh.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()

    @staticmethod
    def read(path: os.PathLike | str) -> Iterable[dict]:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    yield json.loads(line)
