"""Requests per second under gunicorn: the public article page and the API item
against a bare route of the same app, and conditional GETs answered 304.

The server is gunicorn with 2 sync workers on 127.0.0.1 serving
`bench_app()`: the app from create_app() plus one route, /bench/bare, that
returns a constant. It passes through the same request hooks (security
headers, parameter checks, session and login loading) but runs no query and
renders nothing, so "ratio" is the share of the framework's own ceiling that a
real page keeps. The app itself has no such route (and needs none: a health
check would be one more public URL to guard), so it lives here.

The database is size S of benchmarks.pages (made there if missing): SQLite,
and PostgreSQL when BENCH_DATABASE_URL is set. The load comes from wrk
(`apt-get install -y wrk`) with 1 thread and HTTP_CONNECTIONS connections for
HTTP_SECONDS per run; each route is measured HTTP_ROUNDS times, interleaved,
and the median is shown. Without wrk a multi-process Python client is used
(it needs more CPU per request, so on a small machine its figures are lower).
Prints one Markdown table.
"""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.pages import BENCH_DIR, SIZES, prepare
from reviewapp.site_keys import new_private_key_text

SECONDS = int(os.environ.get("HTTP_SECONDS", "10"))
ROUNDS = int(os.environ.get("HTTP_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("HTTP_CONNECTIONS", "4"))
WORKERS = 2
ROOT = Path(__file__).resolve().parents[1]
# Issue 19's targets, as shares of the bare route's requests/s in the same run.
TARGETS = {"public article": 0.50, "API item": 0.50, "public article, If-None-Match (304)": 0.80,
           "API item, If-None-Match (304)": 0.80}
IN_PROCESS_REQUESTS = 2_000
IN_PROCESS_TARGET = 3.0  # public article p50 at most 3x the bare route's, in-process
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def bench_app():
    """gunicorn's entry point: the real app and a bare route."""
    from flask import Response

    from reviewapp.app import create_app, freeze_startup_objects

    app = create_app()

    @app.get("/bench/bare")
    def bench_bare():
        return Response("ok", mimetype="text/plain")

    freeze_startup_objects()  # as reviewapp.wsgi does
    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers=None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, dict(error.headers)


class Server:
    def __init__(self, database_url: str, log: Path, redis_url: str | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("wb")
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench",
               "SIGNING_KEY": new_private_key_text()}
        if redis_url:  # the shared cache; a prefix of this run's own
            env.update(CACHE_REDIS_URL=redis_url,
                       REVIEWAPP_CACHE_KEY_PREFIX=f"bench-{os.getpid()}-{self.port}:")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind",
             f"127.0.0.1:{self.port}", "--no-control-socket", "--error-logfile", "-",
             "benchmarks.http:bench_app()"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log}")
            try:
                if _get(self.url + "/bench/bare")[0] == 200:
                    return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not start; see {log}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(url: str, headers: dict) -> tuple[float, float, int]:
    """(requests/s, median latency ms, responses that were errors)."""
    command = ["wrk", "-t", "1", "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|connect|read|write|"
                                            r"timeout):?\s+(\d+)", out))
    return rate, float(p50.group(1)) * _UNITS[p50.group(2)], errors


def _python_worker(url: str, headers: dict, seconds: float) -> tuple[int, int, list[float]]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    done = errors = 0
    times = []
    end = time.perf_counter() + seconds
    while (start := time.perf_counter()) < end:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            errors += response.status >= 400
        finally:
            connection.close()
        done += 1
        times.append((time.perf_counter() - start) * 1000)
    return done, errors, times


def _python(url: str, headers: dict) -> tuple[float, float, int]:
    with ProcessPoolExecutor(CONNECTIONS) as pool:
        started = time.perf_counter()
        results = list(pool.map(_python_worker, [url] * CONNECTIONS, [headers] * CONNECTIONS,
                                [SECONDS] * CONNECTIONS))
        elapsed = time.perf_counter() - started
    times = [t for _, _, ts in results for t in ts]
    return (sum(r[0] for r in results) / elapsed, statistics.median(times),
            sum(r[1] for r in results))


def _slug(database_url: str) -> str:
    import sqlalchemy as sa

    from benchmarks.pages import _pg

    engine = sa.create_engine(_pg(database_url) if database_url.startswith("postgresql")
                              else database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT slug FROM article WHERE state = 'approved' "
                                       "ORDER BY id DESC LIMIT 1"))
    finally:
        engine.dispose()


def run(label: str, database_url: str, load, redis_url: str | None = None) -> None:
    prepare(database_url, *SIZES["S"])
    slug = _slug(database_url)
    server = Server(database_url, BENCH_DIR / f"gunicorn-{label.lower().replace(' ', '-')}.log",
                    redis_url)
    try:
        api, page = f"{server.url}/api/v1/articles/{slug}", f"{server.url}/articles/{slug}"
        api_etag, page_etag = _get(api)[1].get("ETag"), _get(page)[1].get("ETag")
        routes = [("bare route", server.url + "/bench/bare", {}, 200),
                  ("public article", page, {}, 200),
                  ("public article, If-None-Match (304)", page, {"If-None-Match": page_etag},
                   304),
                  ("API item", api, {}, 200),
                  ("API item, If-None-Match (304)", api, {"If-None-Match": api_etag}, 304)]
        for name, url, extra, expected in routes:
            got = _get(url, extra)[0]
            if got != expected:
                raise RuntimeError(f"{name}: {url} answered {got}, expected {expected}")
        rates: dict[str, list[float]] = {name: [] for name, *_ in routes}
        p50s: dict[str, list[float]] = {name: [] for name, *_ in routes}
        errors = 0
        for _ in range(ROUNDS):
            for name, url, extra, _expected in routes:
                rate, p50, bad = load(url, extra)
                rates[name].append(rate)
                p50s[name].append(p50)
                errors += bad
    finally:
        server.stop()
    bare = statistics.median(rates["bare route"])
    for name, *_ in routes:
        rate = statistics.median(rates[name])
        target = TARGETS.get(name)
        verdict = (f"≥ {target:.0%}: {'met' if rate / bare >= target else '**missed**'}"
                   if target else "")
        print(f"| {name} | {label} | {rate:,.0f} | {statistics.median(p50s[name]):.1f} | "
              f"{rate / bare:.0%} | {verdict} |", flush=True)
    if errors:
        print(f"<!-- {errors} responses were errors or socket errors -->", flush=True)


def main() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if shutil.which("wrk"):
        load, client = _wrk, f"wrk, 1 thread, {CONNECTIONS} connections"
    else:
        print("wrk is not installed (Debian: apt-get install -y wrk); using the Python "
              "client instead, which costs more CPU per request.", file=sys.stderr)
        load, client = _python, f"Python client, {CONNECTIONS} processes"
    print(f"Requests per second under gunicorn ({WORKERS} sync workers, 127.0.0.1), size S; "
          f"{client}; median of {ROUNDS} runs of {SECONDS} s per route.\n")
    print("| route | database | requests/s | p50 ms | of bare route | target |")
    print("|---|---|---|---|---|---|")
    sqlite_url = f"sqlite:///{BENCH_DIR}/bench_s.sqlite3"
    postgres = os.environ.get("BENCH_DATABASE_URL")
    databases = [("SQLite", sqlite_url)] + ([("PostgreSQL", f"{postgres}_s")] if postgres else [])
    for label, url in databases:
        run(label, url, load)
        run(f"{label} + Redis", url, load, REDIS_URL)
    print("\nIn-process (Flask's test client, no server), the cached public article against "
          f"the bare route, {IN_PROCESS_REQUESTS:,} requests each after a warm-up:\n")
    print("| database | bare route p50 ms | public article p50 ms | ratio | target |")
    print("|---|---|---|---|---|")
    for label, url in databases:
        in_process(label, url)


def in_process(label: str, database_url: str) -> None:
    """p50 of the cached public article and of the bare route, in one process."""
    os.environ.update(DATABASE_URL=database_url, SECRET_KEY="bench",
                      SIGNING_KEY=new_private_key_text())
    try:
        app = bench_app()
    finally:
        for name in ("DATABASE_URL", "SECRET_KEY", "SIGNING_KEY"):
            os.environ.pop(name)
    client = app.test_client()
    slug = _slug(database_url)
    p50 = {}
    for name, url in (("bare", "/bench/bare"), ("article", f"/articles/{slug}")):
        assert client.get(url).status_code == 200
        times = []
        for _ in range(IN_PROCESS_REQUESTS):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        p50[name] = statistics.median(times)
    ratio = p50["article"] / p50["bare"]
    verdict = "met" if ratio <= IN_PROCESS_TARGET else "**missed**"
    print(f"| {label} | {p50['bare']:.2f} | {p50['article']:.2f} | {ratio:.1f}× | "
          f"≤ {IN_PROCESS_TARGET:.0f}×: {verdict} |", flush=True)


if __name__ == "__main__":
    main()
