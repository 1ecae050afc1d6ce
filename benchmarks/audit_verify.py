"""`audit verify` on the benchmark databases (10,000 / 200,000 / 1,000,000 events at
S / M / L, filled by benchmarks.pages' generator): the whole chain, and only the last
10,000 events after a trusted head (`--from-head`, the daily check). Each run is a
fresh process, so its peak memory is its own. Prints a Markdown table.
Run with `make bench` (or `python -m benchmarks.audit_verify`; QUICK=1: size S)."""

import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from benchmarks.pages import BENCH_DIR, QUICK, SIZES, _app, prepare

LAST = 10_000


def _verify(url: str, from_end: int | None) -> tuple[float, int, int, float]:
    """(seconds, events checked, ok, peak resident MB) in this process."""
    from sqlalchemy import select

    from reviewapp.audit.models import AuditEvent
    from reviewapp.audit.services import current_head, verify_chain
    from reviewapp.extensions import db

    app = _app(url)
    with app.app_context():
        start = None
        if from_end is not None:
            seq = max(current_head()[0] - from_end, 0)
            start = (seq, db.session.scalar(select(AuditEvent.hash)
                                            .where(AuditEvent.seq == seq))) if seq else None
        began = time.perf_counter()
        result = verify_chain(start=start)
        seconds = time.perf_counter() - began
        db.engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return seconds, result.checked, int(result.ok), peak_mb


def measure(url: str, from_end: int | None) -> tuple[float, int, int, float]:
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_verify, url, from_end).result()


def main() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    postgres = os.environ.get("BENCH_DATABASE_URL")
    print("\n`audit verify`, each run a fresh process (peak resident memory of that "
          "process, the app included).\n")
    print("| size | database | events | whole chain s | peak MB | last 10,000 s | peak MB |")
    print("|---|---|---|---|---|---|---|")
    for size in ("S",) if QUICK else ("S", "M", "L"):
        articles, events = SIZES[size]
        urls = [("SQLite", f"sqlite:///{BENCH_DIR}/bench_{size.lower()}.sqlite3")]
        if postgres:
            urls.append(("PostgreSQL", f"{postgres}_{size.lower()}"))
        for label, url in urls:
            prepare(url, articles, events)
            whole, checked, ok, whole_mb = measure(url, None)
            last, last_checked, last_ok, last_mb = measure(url, LAST)
            assert ok and last_ok and last_checked == min(LAST, checked), (label, size)
            print(f"| {size} | {label} | {checked:,} | {whole:.1f} | {whole_mb:.0f} | "
                  f"{last:.2f} | {last_mb:.0f} |", flush=True)


if __name__ == "__main__":
    main()
