"""One spider module per CMS family. FAMILY_MODULES maps a registry `family` to its spider; a family
without a module of its own is read by the generic spider (crawler/spiders/generic.py)."""
from __future__ import annotations

import importlib

FAMILY_MODULES = {
    "trs-wcm": ("crawler.spiders.trs", "TrsSpider"),
    "hanweb-jcms": ("crawler.spiders.hanweb", "HanwebSpider"),
    "gd-gkmlpt": ("crawler.spiders.gkmlpt", "GkmlptSpider"),
    "ucap": ("crawler.spiders.ucap", "UcapSpider"),
    "province-platform": ("crawler.spiders.platform", "PlatformSpider"),
    "hanweb-jpaas": ("crawler.spiders.jpaas", "JpaasSpider"),
    "generic": ("crawler.spiders.generic", "GenericSpider"),
}


def spider_for(family: str):
    """The spider class for a family: its module's, else the generic spider."""
    entry = FAMILY_MODULES.get(family) or FAMILY_MODULES["generic"]
    if not entry:
        return None
    try:
        module = importlib.import_module(entry[0])
    except ModuleNotFoundError:
        return None
    return getattr(module, entry[1], None)
