"""Default settings. Every one can be overridden by instance/config.py and then
by a REVIEWAPP_<NAME> environment variable (DATABASE_URL and SECRET_KEY too)."""

# Database: None means a SQLite file in the instance folder.
DATABASE_URL = None
# Migrations (`flask db ...`) and `flask db create-app-role` connect with this URL
# when set: the tables' owner, while the app runs as a role that cannot rewrite the
# audit log (docs/database-roles.md). None: DATABASE_URL.
MIGRATION_DATABASE_URL = None
# Seconds a SQLite connection waits for the write lock before giving up.
SQLITE_BUSY_TIMEOUT = 30

# Request and field limits.
MAX_CONTENT_LENGTH = 2 * 1024 * 1024
MAX_TITLE_LENGTH = 300
MAX_BODY_LENGTH = 200_000
MAX_REFERENCES_LENGTH = 200_000
MAX_REFERENCES = 1_000

# Accounts. argon2id parameters: memory in KiB (argon2-cffi's defaults).
PASSWORD_MIN_LENGTH = 12
ARGON2_TIME_COST = 3
ARGON2_MEMORY_COST = 65536
ARGON2_PARALLELISM = 4
LOGIN_LOCKOUT_THRESHOLD = 5
LOGIN_LOCKOUT_MINUTES = 15
# Roles whose users must use two-factor sign-in (TOTP codes from an app): one
# without it is taken to set it up right after the password at the next login,
# before any other page. Any user may turn it on. Empty: nobody is forced.
REQUIRE_TWO_FACTOR_FOR = ["admin"]
LOGIN_IP_LIMIT = 20
LOGIN_IP_WINDOW_MINUTES = 15
# "Forgot your password?": a reset link works this long and only until the
# password changes; admins' set-password links for new users work longer.
PASSWORD_RESET_HOURS = 1
SET_PASSWORD_DAYS = 7
# Reset links mailed per account, and reset requests taken from one IP address
# (known emails or not), per window; past either the page answers the same and
# nothing is mailed, so the limits neither flood a mailbox nor reveal accounts.
PASSWORD_RESET_EMAIL_LIMIT = 3
PASSWORD_RESET_IP_LIMIT = 10
PASSWORD_RESET_WINDOW_MINUTES = 60
# Reverse proxies in front of the app (nginx: 1). Then the client address for the
# login limit and the audit log is taken from X-Forwarded-For, as many hops back;
# with 0 the header is ignored, so nobody can dodge the limit by sending it.
TRUSTED_PROXIES = 0

# Sessions end after this long without a request, and this long after login.
SESSION_IDLE_MINUTES = 30
SESSION_MAX_HOURS = 12
# An edit form sent after its author's session ended is kept this long for them
# to see again, unsaved, once they log in.
KEPT_DRAFT_HOURS = 24

# Cookies.
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"

# Audit: with a key (kept outside the database) chain hashes are HMAC-SHA256.
AUDIT_HMAC_KEY = None
# The site's Ed25519 signing key (provenance of published pages, published audit-chain
# heads): the 32-byte seed in base64url, or a PEM private key; `python -m
# reviewapp.site_keys` makes one. Like SECRET_KEY: from the SIGNING_KEY environment
# variable too, the same on every server, required with PostgreSQL; on SQLite one is
# generated once into the instance folder. Public keys of retired keys stay published
# (base64url of 32 bytes, a JWK's "x") so that what they signed still verifies.
SIGNING_KEY = None
SIGNING_KEYS_RETIRED = []

# Review workflow.
REQUIRED_APPROVALS = 2
DEFAULT_REVIEW_DAYS = 14          # due date the assign form proposes
REVIEWER_SUGGESTIONS = 50         # reviewers the assign form offers (a search finds others)
REMINDER_HOURS_BEFORE_DUE = 48    # `reminders send` mails reviewers due within this
# Who sends an article back for changes: "editor" (a reviewer's "Request changes"
# is a recommendation; the editor decides the round with a decision letter) or
# "reviewer" (a reviewer's "Request changes" sends it back at once).
CHANGES_DECISION = "editor"

# Mail: without MAIL_SERVER, messages are written to the log instead of sent.
MAIL_SERVER = ""
MAIL_PORT = 25
MAIL_USE_STARTTLS = False
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_SENDER = "reviewapp@localhost"
MAIL_TIMEOUT = 10
# Links in mails point here.
SITE_URL = "http://127.0.0.1:5000"

# Citation checks.
STALE_REFERENCE_YEARS = 10
# Hosts that body links may point to without being a reference (subdomains match).
LINK_ALLOWLIST = ["nih.gov", "who.int", "nice.org.uk", "cdc.gov"]

# Pagination.
PAGE_SIZE = 25

# Public site and read API.
# When true, a submitted article is public before approval, with a caution.
PUBLISH_BEFORE_APPROVAL = False
# Approved articles come due for re-review this many days after their last review,
# never more than three years (articles/review_dates.py caps it).
REVIEW_INTERVAL_DAYS = 365
MEDICAL_DISCLAIMER = (
    "This article is for general information and is not a substitute for professional "
    "medical advice, diagnosis or treatment. Always ask your doctor or another qualified "
    "health professional about a medical condition. In an emergency, call your local "
    "emergency number.")
# Readers' audiences ("Which best describes you?"): an article has its main text
# and may have a version for each. `key` goes in ?for=… and the reader's cookie;
# `label` is what readers pick; the reading-level target is a Flesch reading ease
# of at least `reading_ease_min` and a Flesch-Kincaid grade of at most
# `reading_grade_max` (None: no target); `disclaimer` replaces MEDICAL_DISCLAIMER
# for that audience. The NHS asks for a reading age of 9 to 11 in patient
# information: a US school grade of about 4 to 6. From the environment,
# REVIEWAPP_AUDIENCES takes this list as JSON.
AUDIENCES = [
    {"key": "patient", "label": "Patient or carer",
     "reading_ease_min": 60, "reading_grade_max": 6,
     "disclaimer": (
         "This information is for patients and carers. It does not replace advice from "
         "your doctor, nurse or pharmacist, who know your situation. Ask them before you "
         "start, stop or change a medicine. In an emergency, call your local emergency "
         "number.")},
    {"key": "professional", "label": "Healthcare professional",
     "reading_ease_min": None, "reading_grade_max": None,
     "disclaimer": (
         "This information is intended for healthcare professionals. It summarises the "
         "cited evidence and does not replace clinical judgement, the product's "
         "summary of characteristics or local guidelines.")},
]
# "Report a problem": reports accepted from one IP address per hour, and their length.
REPORT_RATE_LIMIT = 5
REPORT_MAX_LENGTH = 5000
# "Have a follow-up question?": questions accepted from one address per hour, and
# the length of a question and of an editor's answer by mail.
QUESTION_RATE_LIMIT = 5
QUESTION_MAX_LENGTH = 2000
QUESTION_ANSWER_MAX_LENGTH = 10000
# Other approved articles sharing a tag, shown under an article.
RELATED_ARTICLES = 5
# Related articles are chosen among each shared tag's newest this many articles.
RELATED_CANDIDATES = 200
# Largest page the API serves (?limit=).
API_MAX_PAGE_SIZE = 100

# Public pages at scale (docs/caching.md). Pages and API answers for readers are kept
# in a cache keyed by their publication version, so a change is seen at the next
# request: in each process by default, in Redis when CACHE_REDIS_URL is set (e.g.
# redis://127.0.0.1:6379/0; every instance then shares it). Entries of old versions
# are never asked for again and go after PAGE_CACHE_SECONDS (or, in a process, when
# PAGE_CACHE_ENTRIES are held).
CACHE_REDIS_URL = None
CACHE_KEY_PREFIX = "reviewapp:"
PAGE_CACHE_SECONDS = 86_400
PAGE_CACHE_ENTRIES = 500
# What readers' responses tell a CDN or reverse proxy (s-maxage, CDN-Cache-Control,
# Surrogate-Control): keep a page this many seconds, then serve it stale this many more
# while asking again (If-None-Match: 304 when nothing changed). Browsers always ask
# again. A purge by Surrogate-Key makes a change visible at once.
PUBLIC_MAX_AGE = 60
PUBLIC_STALE_WHILE_REVALIDATE = 60

# Operations. SECRET_KEY (and AUDIT_HMAC_KEY when used) has no default here: on
# PostgreSQL it must be set, the same on every server (docs/several-instances.md).
# Prometheus metrics at /metrics: request counts and latencies by endpoint, the
# outbox backlog, the last `audit verify --record` outcome. On by default, since
# an operations team expects them, but answered only to these addresses (others
# get 404): they name every endpoint and show traffic, which is nobody else's
# business. Entries are addresses or networks ("10.0.0.0/8"). With gunicorn and
# several workers, set PROMETHEUS_MULTIPROC_DIR so a scrape sums all workers.
METRICS_ENABLED = True
METRICS_ALLOWED_IPS = ["127.0.0.1", "::1"]
