"""/downloads/panel.csv made of parts (ogi/site/downloads.py): the header and the parts, in order, as one
body of the manifest's size; a manifest naming a missing or unexpected file is a 404 before any byte."""
import asyncio
import hashlib
import json

import pytest
from datasette.utils.asgi import NotFound

from ogi.site import downloads


def _folder(tmp_path, parts):
    root = tmp_path / "downloads"
    root.mkdir()
    entries = []
    for data in parts:
        name = f"panel-part-{hashlib.sha256(data).hexdigest()[:12]}.csv"
        (root / name).write_bytes(data)
        entries.append({"csv": name, "bytes": len(data)})
    head = "\ufeffa,b\r\n"
    whole = head.encode("utf-8") + b"".join(parts)
    manifest = root / "panel-x.csv.parts.json"
    manifest.write_text(json.dumps({"head": head, "bytes": len(whole), "parts": entries}), "utf-8")
    return root.resolve(), manifest, whole


def _send_all(response) -> tuple[dict, bytes]:
    messages = []

    async def send(message):
        messages.append(message)

    asyncio.run(response.asgi_send(send))
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    assert messages[-1]["more_body"] is False and all(m["more_body"] for m in messages[1:-1])
    return {k.decode(): v.decode() for k, v in start["headers"]}, body


def test_the_parts_are_sent_as_one_file(tmp_path, monkeypatch):
    monkeypatch.setattr(downloads, "CHUNK", 5)  # several chunks per part
    parts = [b"1,\xe4\xb8\xad\r\n" * 3, b'2,"x,y"\r\n', b"3,\r\n" * 4]
    root, manifest, whole = _folder(tmp_path, parts)
    head, paths, size = downloads.part_paths(root, manifest)
    headers, body = _send_all(downloads.PartsResponse(head, paths, size, "text/csv; charset=utf-8", filename="panel.csv"))
    assert body == whole and int(headers["content-length"]) == len(whole)
    assert headers["content-disposition"] == 'attachment; filename="panel.csv"'


@pytest.mark.parametrize("damage", ["missing", "outside", "not a part"])
def test_a_manifest_that_names_a_missing_or_foreign_file_is_a_404(tmp_path, damage):
    root, manifest, _ = _folder(tmp_path, [b"1\r\n", b"2\r\n"])
    data = json.loads(manifest.read_text("utf-8"))
    if damage == "missing":
        (root / data["parts"][1]["csv"]).unlink()
    else:
        data["parts"][0]["csv"] = "../ogi.db" if damage == "outside" else "panel-x.csv.parts.json"
        manifest.write_text(json.dumps(data), "utf-8")
    with pytest.raises(NotFound):
        downloads.part_paths(root, manifest)
