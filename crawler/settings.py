"""Scrapy settings: polite by default (robots.txt, per-host delay, AutoThrottle, an identifying
User-Agent, retries with back-off for timeouts and 5xx only)."""

BOT_NAME = "ogi-reports"
SPIDER_MODULES = ["crawler.spiders", "crawler.discover"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "ogi-reports/0.1 (+https://github.com/ogi-reports/ogi-reports; research corpus of OGI annual reports)"
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
REDIRECT_MAX_TIMES = 5

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524]
OGI_RETRY_BACKOFF_BASE = 1.0  # seconds; doubled on every retry
OGI_RETRY_BACKOFF_MAX = 30.0

HTTPERROR_ALLOW_ALL = False
COOKIES_ENABLED = True  # cookies a site sets are kept as any browser would; none is ever forged
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
HTTPCACHE_ENABLED = False  # never cache paginated listings
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
}

# only http(s) is ever downloaded: Scrapy's file/data/s3/ftp handlers are switched off (crawler/guards.py)
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}
DOWNLOADER_MIDDLEWARES = {
    "crawler.guards.UrlGuardMiddleware": 40,
    "crawler.guards.RedirectGuardMiddleware": 605,
    "crawler.middlewares.ProxyMiddleware": 740,
    "crawler.middlewares.BlockMiddleware": 584,
    "crawler.middlewares.ArchiveMiddleware": 585,
    "crawler.middlewares.RedirectRecordMiddleware": 610,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}
SPIDER_MIDDLEWARES = {"crawler.failures.SpiderErrorMiddleware": 40}
OGI_ARCHIVE_DIR = "data/archive"  # `ogi crawl --archive` overrides; `scrapy crawl` archives here
OGI_RUN_ID = None  # set by `ogi crawl`; `scrapy crawl` makes one per process
ITEM_PIPELINES = {"crawler.pipelines.RunPipeline": 300}
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
