"""`flask --app reviewapp retractions import` of a 65,000-row Retraction Watch
file (about 60 MB, the published column layout, made by the same generator as
tests/integration/test_retractions.py): wall-clock time and peak resident
memory of the whole command, into an empty database and again over the same
rows (every row unchanged). SQLite always, PostgreSQL when BENCH_DATABASE_URL
is set (its database <name>_retractions is dropped and recreated). Prints
one Markdown table.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.pages import BENCH_DIR, _app, _recreate_postgres
from reviewapp.site_keys import new_private_key_text

ROWS = 65_000
ROOT = Path(__file__).resolve().parents[1]


def _empty_database(url: str) -> None:
    from flask_migrate import upgrade

    from reviewapp.extensions import db

    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        _recreate_postgres(url)
    app = _app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _import(url: str, *args: str) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, the command's last line of output)."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench",
           "SIGNING_KEY": new_private_key_text()}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "reviewapp", "retractions", "import", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read().decode(errors="replace")
    process.stdout.close()
    _, status, usage = os.wait4(process.pid, 0)  # this child's own peak, not all children's
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"retractions import exited {process.returncode}:\n{output[-2000:]}")
    last = [line for line in output.splitlines() if re.search(r"\d", line)][-1:]
    return elapsed, usage.ru_maxrss / 1024, " ".join(last)


def run(label: str, url: str, path: Path) -> None:
    _empty_database(url)
    for run_label in ("empty database", "re-import, unchanged"):
        seconds, peak, said = _import(url, str(path))
        print(f"| {label} | {run_label} | {ROWS:,} | {seconds:.1f} | {peak:.0f} |", flush=True)
        print(f"<!-- {said.strip()} -->", flush=True)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.integration.test_retractions import generate_full_file

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"retractions_{ROWS}.csv"
    if not path.exists():
        generate_full_file(path, ROWS)
    print(f"`retractions import` of {ROWS:,} rows ({path.stat().st_size / 1e6:.0f} MB), the "
          "whole command: wall-clock time and peak resident memory.\n")
    print("| database | run | rows | seconds | peak RSS MB |")
    print("|---|---|---|---|---|")
    # What the process needs before it reads a row: Python, Flask and the app.
    seconds, peak, _ = _import(f"sqlite:///{BENCH_DIR}/retractions.sqlite3", "--help")
    print(f"| — | `--help` only (the process itself) | 0 | {seconds:.1f} | {peak:.0f} |")
    run("SQLite", f"sqlite:///{BENCH_DIR}/retractions.sqlite3", path)
    postgres = os.environ.get("BENCH_DATABASE_URL")
    if postgres:
        run("PostgreSQL", f"{postgres}_retractions", path)


if __name__ == "__main__":
    main()
