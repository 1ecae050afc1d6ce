"""Default settings. Every one can be overridden by instance/config.py and then
by a REVIEWAPP_<NAME> environment variable (DATABASE_URL and SECRET_KEY too)."""

# Database: None means a SQLite file in the instance folder.
DATABASE_URL = None
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
LOGIN_IP_LIMIT = 20
LOGIN_IP_WINDOW_MINUTES = 15
# Reverse proxies in front of the app (nginx: 1). Then the client address for the
# login limit and the audit log is taken from X-Forwarded-For, as many hops back;
# with 0 the header is ignored, so nobody can dodge the limit by sending it.
TRUSTED_PROXIES = 0

# Sessions end after this long without a request, and this long after login.
SESSION_IDLE_MINUTES = 30
SESSION_MAX_HOURS = 12

# Cookies.
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"

# Audit: with a key (kept outside the database) chain hashes are HMAC-SHA256.
AUDIT_HMAC_KEY = None

# Review workflow.
REQUIRED_APPROVALS = 2
DEFAULT_REVIEW_DAYS = 14          # due date the assign form proposes
REVIEWER_SUGGESTIONS = 50         # reviewers the assign form offers (a search finds others)
REMINDER_HOURS_BEFORE_DUE = 48    # `reminders send` mails reviewers due within this

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
# Approved articles come due for re-review this many days after their approval.
REVIEW_INTERVAL_DAYS = 365
MEDICAL_DISCLAIMER = (
    "This article is for general information and is not a substitute for professional "
    "medical advice, diagnosis or treatment. Always ask your doctor or another qualified "
    "health professional about a medical condition. In an emergency, call your local "
    "emergency number.")
# "Report a problem": reports accepted from one IP address per hour, and their length.
REPORT_RATE_LIMIT = 5
REPORT_MAX_LENGTH = 5000
# Other approved articles sharing a tag, shown under an article.
RELATED_ARTICLES = 5
# Related articles are chosen among each shared tag's newest this many articles.
RELATED_CANDIDATES = 200
# Largest page the API serves (?limit=).
API_MAX_PAGE_SIZE = 100
