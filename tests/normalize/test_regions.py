"""GB/T 2260 codes for the agencies of the real seed reports (offline, year-aware)."""
import sys

from normalize.regions import lookup


def test_seed_agencies_get_their_division_codes():
    got = lookup([
        ("六安市金安区数据资源管理局（政务服务管理局）", 2020, None),
        ("淄博市大数据局", 2020, None),
        ("秀洲区政务服务和数据资源管理办公室", 2020, None),
        ("道外区机关服务中心", 2020, None),
        ("下城区数据资源管理局", 2020, None),  # abolished in 2021: the 2020 division list still has it
    ])
    assert [g["region_code"] for g in got] == ["341502", "370300", "330411", "230104", "330103"]
    assert got[0] == {"province": "安徽省", "city": "六安市", "county": "金安区", "region_code": "341502"}


def test_site_region_completes_a_name_without_its_city_and_unknown_places_stay_empty():
    got = lookup([("区数据局", 2020, "浙江省杭州市下城区"), ("青屿市人民政府", 2023, "东岚省青屿市"), ("教育部", 2023, "全国")])
    assert got[0]["region_code"] == "330103"
    assert got[1] == {"province": None, "city": None, "county": None, "region_code": None}  # fictional: no guess
    assert got[2]["region_code"] is None


def test_answers_remembered_so_the_next_build_need_not_load_cnloc(tmp_path, monkeypatch):
    from normalize import regions

    queries = [("淄博市大数据局", 2020, None), ("区数据局", 2020, "浙江省杭州市下城区"), ("青屿市人民政府", 2023, None)]
    regions.use_cache(tmp_path / "regions.sqlite")
    try:
        first = lookup(queries)
        regions.save_cache()
        assert (tmp_path / "regions.sqlite").exists()
        # the next build (a new process: nothing in memory) with cnloc unavailable gets the same answers
        regions.use_cache(tmp_path / "regions.sqlite")
        monkeypatch.setitem(sys.modules, "cnloc", None)  # `import cnloc` now raises ImportError
        assert lookup(queries) == first
        assert [g["region_code"] for g in first] == ["370300", "330103", None]
        # a name not seen before still needs cnloc (here: missing, so its columns stay empty)
        assert lookup([("六安市金安区数据资源管理局", 2020, None)])[0]["region_code"] is None
    finally:
        regions.use_cache(None)


def test_child_answers_a_chunk_at_a_time_as_one_call_would(monkeypatch):
    """The lookup child (python -m normalize.regions) places its names CHILD_CHUNK at a time to bound
    cnloc's frames: the answers are the ones a single call gives, in the order asked."""
    import io
    import json

    from normalize import regions

    queries = [("六安市金安区数据资源管理局（政务服务管理局）", 2020, None), ("区数据局", 2020, "浙江省杭州市下城区"),
               ("淄博市大数据局", 2020, None), ("青屿市人民政府", 2023, "东岚省青屿市"), ("道外区机关服务中心", 2020, None)]
    whole = regions._lookup_here(queries)
    out = io.StringIO()
    monkeypatch.setattr(regions, "CHILD_CHUNK", 2)
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(queries, ensure_ascii=False)))
    monkeypatch.setattr(sys, "stdout", out)
    regions._main()
    assert json.loads(out.getvalue()) == whole  # one line: the one-shot child's answer
    assert [p["region_code"] for p in whole] == ["341502", "330103", "370300", None, "230104"]


def test_a_session_answers_every_call_from_one_child(monkeypatch):
    """regions.session(): one lookup child for many calls (benchmarks/scale_corpus.py's batches); the
    answers equal the one-shot child's."""
    import subprocess

    from normalize import regions

    started = []
    real_popen = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a) or real_popen(*a, **k))
    batches = [[("淄博市大数据局", 2020, None), ("区数据局", 2020, "浙江省杭州市下城区")],
               [("道外区机关服务中心", 2020, None)], [("青屿市人民政府", 2023, None)]]
    one_shot = [regions._lookup(b) for b in batches]
    assert len(started) == 3  # without a session: a child per call
    started.clear()
    with regions.session():
        in_session = [regions._lookup(b) for b in batches]
        child = regions._SESSION["child"]
    assert len(started) == 1 and child.poll() == 0  # one child, closed at the end of the block
    assert in_session == one_shot
    assert [p["region_code"] for b in in_session for p in b] == ["370300", "330103", "230104", None]


def test_answers_on_disk_equal_the_lookup_childs_and_memory_holds_a_bounded_lru(tmp_path, monkeypatch):
    """The answers are kept in regions.sqlite, not in memory (issue 9): what a lookup returns equals the
    lookup child's own answers, asked in chunks through one child, and read back from the file once they
    have left the bounded in-memory LRU; a new cnloc version places every name again."""
    import subprocess

    from normalize import regions

    queries = [("淄博市大数据局", 2020, None), ("区数据局", 2020, "浙江省杭州市下城区"), ("青屿市人民政府", 2023, None),
               ("道外区机关服务中心", 2020, None), ("淄博市大数据局", 2020, None), ("下城区数据资源管理局", 2020, None),
               ("六安市金安区数据资源管理局", 2019, None)]
    child = regions._lookup(queries)  # the child's answers, asked in one call
    started = []
    real_popen = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a) or real_popen(*a, **k))
    monkeypatch.setattr(regions, "CHUNK", 2)
    monkeypatch.setattr(regions, "LRU_SIZE", 3)
    regions.use_cache(tmp_path / "regions.sqlite")
    try:
        assert lookup(queries) == child
        assert len(started) == 1  # four chunks, one child
        store = regions._store()
        assert len(store) == 6 and len(store.lru) == 3  # every distinct query on disk, three in memory
        monkeypatch.setitem(sys.modules, "cnloc", None)  # from here on, answers can only come from the file
        assert lookup(queries) == child and len(store.lru) == 3
        regions.use_cache(tmp_path / "regions.sqlite")  # a new build: nothing in memory
        assert lookup(list(reversed(queries))) == list(reversed(child))
        regions.warm(q for q in queries)  # nothing new: no child
        assert len(started) == 1
        monkeypatch.setattr(regions, "_cnloc_version", lambda: "another")
        regions.use_cache(tmp_path / "regions.sqlite")
        assert [p["region_code"] for p in lookup(queries[:2])] == [None, None]  # cnloc (missing) asked again
    finally:
        regions.use_cache(None)


def test_a_json_file_of_earlier_builds_is_read_once(tmp_path, monkeypatch):
    import json

    from normalize import regions

    place = {"province": "山东省", "city": "淄博市", "county": None, "region_code": "370300"}
    old = tmp_path / "regions.json"
    old.write_text(json.dumps({"cnloc": regions._cnloc_version(), "places": {
        regions._key("淄博市大数据局", 2020, None): place}}, ensure_ascii=False), "utf-8")
    monkeypatch.setitem(sys.modules, "cnloc", None)
    regions.use_cache(old)  # the build's former path: the store is regions.sqlite beside it
    try:
        assert lookup([("淄博市大数据局", 2020, None)]) == [place]
        assert not old.exists() and (tmp_path / "regions.sqlite").exists()
        (tmp_path / "regions.json").write_text("not json", "utf-8")  # a broken one is ignored
        regions.use_cache(tmp_path / "regions.sqlite")
        assert lookup([("淄博市大数据局", 2020, None)]) == [place]
    finally:
        regions.use_cache(None)
