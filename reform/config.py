"""Default settings; instance/config.py and REFORM_* environment variables override them."""

from __future__ import annotations

# A placeholder the production check recognises: it must never sign real sessions.
DEV_SECRET_KEY = "dev-only-not-secret"


class Config:
    """Settings safe for development; production overrides what matters."""

    ENV = "development"
    SECRET_KEY = DEV_SECRET_KEY
    # Empty means "SQLite file in the instance folder", resolved in the factory.
    DATABASE_URL = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "reform_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 8 * 3600

    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so long form sessions keep working
    WTF_CSRF_HEADERS = ["X-CSRFToken"]

    # Where failed sign-ins are counted; point it at Redis (redis://127.0.0.1:6379) when running
    # several workers, so they share the counts.
    RATELIMIT_STORAGE_URI = "memory://"
    # If Redis is down, count in memory rather than refuse every sign-in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Stated here: otherwise Flask-Limiter takes the value the previous app in this process had,
    # so one app built with the limits off would switch them off for every later one.
    RATELIMIT_ENABLED = True
    # Failed sign-ins allowed for one username from one address; then that username waits there
    # (without its password being checked) until the window ends.
    LOGIN_ACCOUNT_RATE_LIMIT = "5 per minute"
    # The looser ceiling on failed sign-ins from one address (an office behind NAT shares one):
    # above it a correct password still signs in, and each further failure holds its username.
    LOGIN_RATE_LIMIT = "30 per minute"

    # Argon2id, OWASP ASVS 5.0 / cheat-sheet profile: m = 19 MiB, t = 2, p = 1 is the floor;
    # these defaults (RFC 9106 low-memory profile) exceed it.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 65536
    ARGON2_PARALLELISM = 4

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    LANGUAGE_COOKIE = "reform_lang"

    # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust;
    # without it every client looks like the proxy and shares one login rate limit.
    PROXY_COUNT = 0

    # Responses in text formats are compressed (Flask-Compress) for clients that accept it; PDF,
    # XLSX and images are compressed formats already and are sent as they are. Set
    # COMPRESS_REGISTER = False when the reverse proxy compresses instead (docs/deployment.md).
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/plain",
        "text/csv",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/yaml",
        "image/svg+xml",
    ]
    COMPRESS_ALGORITHM = ["zstd", "br", "gzip", "deflate"]
    # Static files are streamed from disk; the library leaves gzip out for streams by default,
    # yet gzip is all a browser offers over plain HTTP besides deflate.
    COMPRESS_ALGORITHM_STREAMING = ["zstd", "br", "gzip", "deflate"]
    # Static files: a URL carrying the file's content hash (?v=, added by url_for) is cached for
    # a year as immutable; any other static URL for this many seconds.
    STATIC_MAX_AGE = 300

    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    # Form fields other than files (Flask's default is 500 kB): a framework file pasted as text
    # must reach the 2 MB check of the import page instead of a bare 413.
    MAX_FORM_MEMORY_SIZE = 3 * 1024 * 1024
    # Evidence files: the largest one accepted, and where content is kept (empty means
    # <instance>/uploads, resolved in the factory).
    EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
    UPLOAD_FOLDER = ""
    UNITS_CSV_MAX_BYTES = 2 * 1024 * 1024
    PAGE_SIZE = 50
    # Rows per page of a block's ranking (a national block has thousands of units).
    RANKING_PAGE_SIZE = 100

    # Rendered fragments (the live ranking) are cached by the fingerprint of what they show: in
    # Redis when REDIS_URL is set (e.g. redis://127.0.0.1:6379/0), so every worker shares one
    # render per change; otherwise in each worker's memory, up to FRAGMENT_CACHE_BYTES.
    REDIS_URL = ""
    CACHE_KEY_PREFIX = "reform:"
    FRAGMENT_CACHE_TTL = 600
    FRAGMENT_CACHE_BYTES = 32 * 1024 * 1024

    # The quota of "Hoàn thành xuất sắc nhiệm vụ" (Decree 335/2025): at most this share of those
    # rated "Hoàn thành tốt nhiệm vụ" in the same unit and group of similar duties. The base is
    # "good" (those rated "tốt", the decree's words) or "good_and_above" ("tốt" and "xuất sắc").
    PEOPLE_EXCELLENT_SHARE = "0.2"
    PEOPLE_QUOTA_BASE = "good"

    # E-mail notices: sent only when MAIL_SERVER is set (REFORM_MAIL_SERVER=smtp.example.gov.vn).
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS after connecting
    MAIL_USE_SSL = False  # TLS from the start (usually port 465)
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_FROM = "reform@localhost"
    MAIL_TIMEOUT = 10
    # The address people open the application at, for links in e-mails; empty means the
    # current request's address, or http://localhost:5000 in commands such as `reform remind`.
    BASE_URL = ""
