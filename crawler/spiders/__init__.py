"""One spider module per CMS family. FAMILY_SPIDERS maps a registry `family` to its spider."""
from __future__ import annotations

import importlib

FAMILY_MODULES = {
    "trs-wcm": ("crawler.spiders.trs", "TrsSpider"),
    "hanweb-jcms": ("crawler.spiders.hanweb", "HanwebSpider"),
    "gd-gkmlpt": ("crawler.spiders.gkmlpt", "GkmlptSpider"),
    "ucap": ("crawler.spiders.ucap", "UcapSpider"),
    "province-platform": ("crawler.spiders.platform", "PlatformSpider"),
}


def spider_for(family: str):
    """The spider class for a family, or None when the family has no spider yet."""
    entry = FAMILY_MODULES.get(family)
    if not entry:
        return None
    try:
        module = importlib.import_module(entry[0])
    except ModuleNotFoundError:
        return None
    return getattr(module, entry[1], None)
