"""Precision and recall of the pre-2019 indicators against the gold files, and counts per phrasing family.

    .venv/bin/python benchmarks/indicators_eval.py [--shared-gold DIR]

A statement (primary or `also`) is found when code, period, value, where, raw and sentence agree.
Precision = found / parsed statements; recall = found / gold statements. Dev reports (pingtan_*) and
the further real reports transcribed for issue 12 are reported separately: real_* were used to tune
the rules, heldout_* were transcribed and measured before any rule was changed for them.
A second, looser figure counts a statement found when code, period, value and where agree (raw and
sentence boundaries aside). `--shared-gold`
compares the dev reports with an unmodified gold folder instead of tests/golden/pre2019.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from golden_indicators import compare  # noqa: E402
from normalize.parse import parse_path  # noqa: E402

DOC_DIRS = (ROOT / "ogi" / "portal" / "documents" / "pre2019", ROOT / "tests" / "fixtures" / "pre2019")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared-gold", help="folder of gold files to use for the dev reports instead")
    args = ap.parse_args()
    docs = {p.name: p for d in DOC_DIRS if d.exists() for p in d.iterdir()}
    golds = sorted((ROOT / "tests" / "golden" / "pre2019").glob("*.json"))
    if args.shared_gold:
        shared = {p.name: p for p in Path(args.shared_gold).glob("*.json")}
        golds = [shared.get(g.name, g) for g in golds]
    totals = collections.defaultdict(lambda: [0, 0, 0, 0])  # split -> expected, found, parsed, found (loose)
    families = collections.Counter()
    for g in golds:
        gold = json.loads(g.read_text("utf-8"))
        res = parse_path(docs[gold["doc"]])
        got = compare(gold, res["indicators"])
        split = ("dev" if g.stem.startswith("pingtan_") else
                 "held-out" if g.stem.startswith("heldout_") else
                 "held-out-2" if g.stem.startswith("heldout2_") else
                 "held-out-3" if g.stem.startswith("heldout3_") else "further")
        t = totals[split]
        t[0] += got["expected"]
        t[1] += got["found"]
        t[2] += len(res["indicators"])
        t[3] += compare(gold, res["indicators"], loose=True)["found"]
        for i in res["indicators"]:
            families[(split, i["family"])] += 1
        print(f"{g.stem}: gold {got['expected']}, found {got['found']}, parsed {len(res['indicators'])}")
        for m in got["missing"]:
            print(f"    missing {m}")
        for e in got["extra"]:
            print(f"    extra   {e}")
    for split, (exp, found, parsed, loose) in sorted(totals.items()):
        p = found / parsed if parsed else 1.0
        r = found / exp if exp else 1.0
        pl = loose / parsed if parsed else 1.0
        rl = loose / exp if exp else 1.0
        print(f"{split}: gold statements {exp}, parsed {parsed}, found {found}: precision {p:.3f}, recall {r:.3f}"
              f" | by value (code, period, value, where): found {loose}, precision {pl:.3f}, recall {rl:.3f}")
    print("statements per phrasing family (prose families; 'table' = statistics-table cells):")
    for split in sorted(totals):
        counts = {f: n for (s, f), n in families.items() if s == split}
        print(f"    {split:10s} " + ", ".join(f"{f} {n}" for f, n in sorted(counts.items())))


if __name__ == "__main__":
    main()
