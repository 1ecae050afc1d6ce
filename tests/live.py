"""gunicorn serving the test's database, as production runs it, for tests that
need real processes: several workers, several servers, a server killed.

    server = LiveServer(database_url, tmp_path / "a.log", workers=2, threads=4,
                        env={"REVIEWAPP_LOGIN_LOCKOUT_THRESHOLD": "3"})
    server.start()            # returns once /healthz answers 200
    requests.get(server.url + "/login", timeout=HTTP_TIMEOUT)
    server.cli("reminders", "send")   # a `flask` command with the server's settings
    server.close()            # SIGTERM, then SIGKILL; always call it (or use `with`)

Each server has an instance folder of its own (REVIEWAPP_INSTANCE_PATH), as
separate hosts would, and the production entry point (reviewapp.wsgi:app).
"""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from tests.conftest import FAST_ARGON2

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HTTP_TIMEOUT = 30  # seconds; a request that hangs fails the test instead of the run
LIVE_SECRET_KEY = "live-secret"
# Every server of a test signs with one key, as production servers must (a fixed one).
LIVE_SIGNING_KEY = "4D0Ue4hVgcYxhDo6wcd2hG_kdtXrAoG6Q-M2GnrOtRE"


class LiveServer:
    """gunicorn on 127.0.0.1. The listening socket belongs to the test and is
    handed to each server by file descriptor, so a restarted server answers
    on the same port, and a request sent while it restarts waits for it.

    `env` is added to the server's environment (settings as REVIEWAPP_<NAME>);
    DATABASE_URL, SECRET_KEY and SIGNING_KEY (LIVE_* unless `env` gives others),
    cheap argon2 parameters, no forced two-factor and the instance folder are
    set already."""

    def __init__(self, database_url: str, log_path: Path, *, instance_path: Path | None = None,
                 env: dict | None = None, workers: int = 2, threads: int = 1):
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.instance_path = instance_path or log_path.parent / f"instance-{port}"
        self.instance_path.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": LIVE_SECRET_KEY,
                    "SIGNING_KEY": LIVE_SIGNING_KEY,
                    "REVIEWAPP_INSTANCE_PATH": str(self.instance_path),
                    # As tests/conftest.py's app_config: nobody forced into two-factor.
                    "REVIEWAPP_REQUIRE_TWO_FACTOR_FOR": "",
                    **{f"REVIEWAPP_{name}": str(value) for name, value in FAST_ARGON2.items()},
                    **(env or {})}
        self.workers, self.threads = workers, threads
        self.log = open(log_path, "ab")  # closed in close()
        self.log_path = log_path
        self.process = None

    def start(self):
        fd = self.listener.fileno()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--bind", f"fd://{fd}", "--workers", str(self.workers),
             "--threads", str(self.threads), "--graceful-timeout", "5",
             # Not the shared default ~/.gunicorn/gunicorn.ctl: other servers may run.
             "--no-control-socket", "reviewapp.wsgi:app"],
            cwd=REPO, env=self.env, pass_fds=(fd,), start_new_session=True,
            stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_until_healthy()
        return self

    def wait_until_healthy(self):
        """One request, queued on the socket until the server takes it (a
        probe given up early would stay queued and be served later, into the
        figures of a test that counts requests)."""
        try:
            response = requests.get(f"{self.url}/healthz", timeout=HTTP_TIMEOUT)
        except requests.RequestException as error:
            raise AssertionError(f"gunicorn did not answer ({error!r}; exit code "
                                 f"{self.process.poll()}):\n"
                                 + self.log_path.read_text()) from None
        assert response.status_code == 200, (response.text, self.log_path.read_text())

    def cli(self, *args: str, wait: bool = True, env: dict | None = None):
        """`flask --app reviewapp <args>` with this server's environment: the
        CompletedProcess (text output), or the running Popen when wait=False."""
        command = [str(BIN / "flask"), "--app", "reviewapp", *args]
        options = {"cwd": REPO, "env": {**self.env, **(env or {})}, "text": True,
                   "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
        if not wait:
            return subprocess.Popen(command, **options)
        return subprocess.run(command, timeout=HTTP_TIMEOUT * 4, check=False, **options)

    def kill(self):
        """SIGKILL to the master and its workers: no cleanup of any kind."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def close(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=HTTP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
        self.listener.close()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
