"""Malformed registries give one clear line each and exit 1 (ogi sources / crawl / nightly), no traceback."""
import pytest
from click.testing import CliRunner

from crawler import registry as reg
from ogi.cli import main

GOOD = """sites:
- id: ok
  name: 示例市
  family: trs-wcm
  entry_urls: [http://www.example.fixture.gov.cn/nb/]
"""

CASES = {
    "enabled_string": (GOOD + "  enabled: 'no'\n", "row 1 (ok): enabled: Input should be a valid boolean (found 'no')"),
    "hosts_string": (GOOD + "  hosts: www.other.fixture.gov.cn\n", "row 1 (ok): hosts: Input should be a valid list"),
    "missing_name": (GOOD.replace("  name: 示例市\n", ""), "row 1 (ok): missing name"),
    "entry_urls_string": (GOOD.replace("[http://www.example.fixture.gov.cn/nb/]", "http://www.example.fixture.gov.cn/nb/"),
                          "row 1 (ok): entry_urls: Input should be a valid list"),
    "bad_port": (GOOD.replace("gov.cn/nb/", "gov.cn:99999/nb/"), "row 1 (ok): entry_urls: bad port in"),
    "bad_encoding": (GOOD + "  encoding: gbk2\n", "row 1 (ok): encoding: unknown encoding 'gbk2'"),
    "min_reports_string": (GOOD + "  expected_min_reports: '3'\n", "row 1 (ok): expected_min_reports: Input should be a valid integer"),
    "row_not_mapping": ("sites:\n- just a string\n", "row 1 (?): expected a mapping of keys, found str"),
    "empty_file": ("", "the registry is empty"),
    "yaml_error": ("sites:\n- id: [unclosed\n", "YAML error at line"),
    "not_a_list": ("sites: 3\n", "expected a list of sites under 'sites:', found int"),
}


def test_the_good_registry_and_the_shipped_ones_are_valid():
    assert reg.validate(reg.load_rows()) == []


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["sources", "crawl", "nightly"])
def test_a_malformed_registry_is_one_clear_line_and_exit_1(tmp_path, case, command):
    text, expected = CASES[case]
    path = tmp_path / "sources.yaml"
    path.write_text(text, "utf-8")
    args = [command, "--registry", str(path)]
    if command != "sources":
        args += ["--archive", str(tmp_path / "archive")] + (["--db", str(tmp_path / "ogi.db")] if command == "nightly" else [])
    result = CliRunner().invoke(main, args)
    out = result.output  # stdout and stderr as the operator sees them
    assert result.exit_code == 1, out
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), repr(result.exception)
    assert expected in out
    assert "Traceback" not in out and not (tmp_path / "archive").exists()  # nothing was crawled
    problem_lines = [line for line in out.splitlines() if expected in line]
    assert len(problem_lines) == 1
