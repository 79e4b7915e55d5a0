"""crawler/ and normalize/ are separate programs joined only by the on-disk archive."""
import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def imported_modules(package: str) -> dict[str, set[str]]:
    out = {}
    for path in (REPO / package).rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        mods = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mods.add(node.module.split(".")[0])
        out[str(path.relative_to(REPO))] = mods
    return out


def test_normalize_never_imports_crawler_or_scrapy():
    bad = {f: m & {"crawler", "scrapy", "twisted", "requests", "urllib3"} for f, m in imported_modules("normalize").items()}
    assert {f: m for f, m in bad.items() if m} == {}


def test_crawler_never_imports_normalize():
    bad = {f: m & {"normalize"} for f, m in imported_modules("crawler").items()}
    assert {f: m for f, m in bad.items() if m} == {}


def test_importing_normalize_does_not_load_scrapy():
    code = ("import sys, normalize.build, normalize.parse, normalize.extract; "
            "print(any(m.split('.')[0] in ('scrapy', 'crawler', 'twisted') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "False"
