"""Plain-text listing of a parse result's pre-2019 indicators (for `ogi parse` without --json)."""
from __future__ import annotations

from . import codebook


def render_indicators(result: dict) -> str:
    inds = result.get("indicators") or []
    if not inds:
        return ""
    book = codebook.load()
    lines = [f"pre-2019 indicators ({sum(1 for i in inds if i.get('primary'))} primary, {len(inds)} statements):"]
    for i in inds:
        label = book[i["code"]].label_zh if i["code"] in book else i["code"]
        period = "" if i["period"] == "year" else " 历年累计"
        mark = "*" if i.get("primary") else " "
        conflict = f"  CONFLICT table {i['conflict']['table']} / text {i['conflict']['text']}" if i.get("conflict") else ""
        lines.append(f"  {mark} {i['code']}{period} = {i['value']}{i.get('unit') or ''}  [{i['where']}] "
                     f"{label}: {i['raw']}{conflict}")
    return "\n".join(lines)
