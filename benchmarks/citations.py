"""Citation engine speed: a 5,000-word article with 300 references, and 10x and
100x that body. Prints a Markdown table. Run with `make bench` (or
`python -m benchmarks.citations`)."""

import statistics
import time
from datetime import date

from reviewapp.citations import engine

PARAGRAPH = (
    "Acetaminophen is a first-line analgesic for mild to moderate pain [{a}]. "
    "In adults the usual dose is 500 mg to 1 g every 6 hours, not exceeding 4 g per day "
    "[{a},{b}]. A randomised trial reported that pain scores were reduced by 30% "
    "(95% CI 22-38%, p < 0.01) compared with placebo [{c}-{d}]. Patients with liver "
    "disease should avoid doses above 2 g per day [{b}]. Dr. Smith et al. found similar "
    "results in older adults, e.g. those over 65 years of age [{e}]."
)
REFERENCE = ("Author{n} A, Writer B. Analgesic trial number {n} in adults. "
             "J Pain Res. {year};{n}:100-110. doi:10.1000/jpr.{n}. PMID: {pmid}")


def article(paragraph_count: int, references: int = 300) -> tuple[str, list[str]]:
    paragraphs = []
    for n in range(paragraph_count):
        a = n % references + 1
        paragraphs.append(PARAGRAPH.format(a=a, b=(a % references) + 1,
                                           c=a, d=min(a + 2, references),
                                           e=(a + 3) % references + 1))
    refs = [REFERENCE.format(n=n, year=2015 + n % 10, pmid=30000000 + n)
            for n in range(1, references + 1)]
    return "\n\n".join(paragraphs), refs


def measure(body: str, refs: list[str], repeat: int) -> tuple[float, float]:
    """(first run ms, median of later runs ms): the first run fills the
    per-paragraph sentence cache and the reference cache, later runs are what
    re-checking a saved draft costs."""
    start = time.perf_counter()
    engine.check(body, refs, {}, date(2026, 11, 21), engine.Settings())
    first = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        engine.check(body, refs, {}, date(2026, 11, 21), engine.Settings())
        times.append((time.perf_counter() - start) * 1000)
    return first, statistics.median(times)


def main() -> None:
    base_paragraphs = 5000 // len(PARAGRAPH.split())  # about 5,000 words
    print("| body | words | references | first run ms | repeat ms (median) |")
    print("|---|---|---|---|---|")
    for factor, repeat in ((1, 20), (10, 5), (100, 1)):
        # Distinct paragraphs at every size, so the per-paragraph cache cannot hide cost.
        body, refs = article(base_paragraphs * factor)
        body = "\n\n".join(f"{p} (part {factor}.{i})"
                            for i, p in enumerate(body.split("\n\n")))
        first, repeat_ms = measure(body, refs, repeat)
        print(f"| {factor}x | {len(body.split()):,} | {len(refs)} | {first:.1f} | "
              f"{repeat_ms:.1f} |")


if __name__ == "__main__":
    main()
