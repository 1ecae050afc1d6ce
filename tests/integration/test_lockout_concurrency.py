"""Hardening 2, item 1: the lockout and the per-address limit hold when the
tries arrive at once, over two server processes. They used not to: 16
simultaneous logins read failure counts 1,1,1,1,2,2,… and the account never
locked; 40 at once got 19 password checks before the lock (threshold 5), and
23 failures from one address got through a limit of 20."""

import re
import threading

import pytest
import requests
from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.live import HTTP_TIMEOUT, LiveServer

TRIES = 40
# A password check that costs a few milliseconds, as in production it costs
# more: the race the lock closes is as wide as the check.
SLOWER_ARGON2 = {"ARGON2_TIME_COST": 2, "ARGON2_MEMORY_COST": 8192, "ARGON2_PARALLELISM": 1}
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def app_config(app_config):
    return {**app_config, **SLOWER_ARGON2}


@pytest.fixture
def servers(database_url, tmp_path, request):
    """Two servers, 2 workers × 4 threads each; a test may add settings with
    @pytest.mark.parametrize("server_settings", [{...}])."""
    settings = {**SLOWER_ARGON2, **getattr(request, "param", {})}
    env = {f"REVIEWAPP_{k}": str(v) for k, v in settings.items()}
    pair = [LiveServer(database_url, tmp_path / f"{name}.log", workers=2, threads=4, env=env)
            for name in ("a", "b")]
    try:
        for server in pair:
            server.start()
        yield pair
    finally:
        for server in pair:
            server.close()


def _login_all_at_once(servers, attempts):
    """POST /login for each (email, password) at the same moment, alternating
    between the servers, each from a browser that fetched its form first."""
    browsers = []
    for n, (email, password) in enumerate(attempts):
        base = servers[n % len(servers)].url
        http = requests.Session()
        token = TOKEN.search(http.get(f"{base}/login", timeout=HTTP_TIMEOUT).text).group(1)
        browsers.append((http, base, {"email": email, "password": password,
                                      "csrf_token": token}))
    barrier = threading.Barrier(len(browsers))
    statuses = [None] * len(browsers)

    def post(n, http, base, form):
        barrier.wait()
        statuses[n] = http.post(f"{base}/login", data=form, timeout=HTTP_TIMEOUT * 2,
                                allow_redirects=False).status_code

    threads = [threading.Thread(target=post, args=(n, *b)) for n, b in enumerate(browsers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _failures(rows, **where):
    with rows() as session:
        return list(session.execute(select(AuditEvent.reason, func.count()).where(
            AuditEvent.action == "user.login_failed",
            *[getattr(AuditEvent, k) == v for k, v in where.items()],
        ).group_by(AuditEvent.reason)).all())


# The address limit is raised here so that the account's own lock is what is tested.
@pytest.mark.parametrize("servers", [{"LOGIN_IP_LIMIT": 1000}], indirect=True)
def test_forty_wrong_passwords_at_once_check_at_most_the_threshold_and_lock(
        app, servers, make_user, rows):
    user = make_user(roles=["author"])
    statuses = _login_all_at_once(servers, [(user.email, f"wrong guess {n}")
                                            for n in range(TRIES)])
    assert statuses == [200] * TRIES
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    checked = dict(_failures(rows, object_id=str(user.id))).get("wrong password", 0)
    assert checked == threshold
    with rows() as session:
        locked = session.get(User, user.id)
        assert locked.locked_until is not None and locked.failed_login_count == threshold
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "user.locked")) == 1
    # The right password is refused now, on either server, because of the lock.
    for server in servers:
        assert _login_all_at_once([server], [(user.email, PASSWORD)]) == [200]
    assert dict(_failures(rows, object_id=str(user.id)))["account locked"] == TRIES - threshold + 2


def test_forty_failures_at_once_from_one_address_process_at_most_the_limit(
        app, servers, make_user, rows):
    users = [make_user(roles=["author"]) for _ in range(4)]
    statuses = _login_all_at_once(servers, [(users[n % 4].email if n % 2 else
                                             f"nobody{n}@example.org", "not the password")
                                            for n in range(TRIES)])
    limit = app.config["LOGIN_IP_LIMIT"]
    reasons = dict(_failures(rows, ip="127.0.0.1"))
    throttled = reasons.pop("too many failed logins from this address", 0)
    assert sum(reasons.values()) == limit, reasons
    assert throttled == TRIES - limit
    assert statuses.count(429) == TRIES - limit
