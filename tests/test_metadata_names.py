"""Canned queries, tables and views come from two modules; a name defined in both would silently hide one."""
import pytest

from ogi.metadata_source import _merge_unique


def test_a_name_defined_twice_is_refused():
    ours = {"agency_series": {"sql": "select 1"}}
    with pytest.raises(ValueError, match="agency_series"):
        _merge_unique(ours, {"agency_series": {"sql": "select 2"}})
    assert ours == {"agency_series": {"sql": "select 1"}}


def test_the_published_metadata_has_both_agency_series():
    from ogi.metadata_source import build_metadata

    queries = build_metadata()["databases"]["ogi"]["queries"]
    assert ":agency_id" in queries["agency_series"]["sql"]
    assert ":agency" in queries["agency_indicator_series"]["sql"]
