"""Citation engine speed: a 5,000-word article with 300 references, and 10x and
100x that body; then the six PLOS articles of ../shared/corpus, and sentence splitting
of their paragraphs by pysbd and by reviewapp.citations.sentences. Prints Markdown
tables. Run with `make bench` (or `python -m benchmarks.citations`)."""

import statistics
import time
from datetime import date
from pathlib import Path

from reviewapp.citations import engine
from reviewapp.citations.claims import find_claim
from reviewapp.citations.engine.document import Document
from reviewapp.citations.identifiers import _parse_reference_cached
from reviewapp.citations.jats import parse_jats
from reviewapp.citations.sentence_rules import NeedsPysbd, rule_spans
from reviewapp.citations.sentences import _cached_sentence_spans, _sentence_spans, pysbd_spans

PLOS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "plos"

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


def forget_checked_texts() -> None:
    """Empty the engine's per-text caches (references, sentences, claims), as for an
    article the running app has never checked."""
    _parse_reference_cached.cache_clear()
    _cached_sentence_spans.cache_clear()
    find_claim.cache_clear()


def warm_up() -> None:
    """What a running app has done once before any article: import the engine and compile
    its patterns (on its first check). Not counted in any figure."""
    engine.check("Take 5 mg twice daily [1]. You should rest.\n\n# Methods\n\nWe gave 5 mg [2].",
                 ["A B. Warm up. doi:10.1000/x. PMID: 1. PMCID: PMC1. ISBN 978-0-306-40615-7. "
                  "ISSN 0317-8471. https://example.org", "C D. Other. 2020."],
                 {}, date(2026, 11, 21), engine.Settings())
    forget_checked_texts()


def measure(body: str, refs: list[str], repeat: int, first_runs: int = 5) -> tuple[float, float]:
    """(first run ms, median of later runs ms). A first run checks the article with empty
    caches, as for an article the app has not seen (the median of `first_runs`); later
    runs are what re-checking a saved draft costs (most paragraphs and references cached)."""
    firsts = []
    for _ in range(first_runs):
        forget_checked_texts()
        start = time.perf_counter()
        engine.check(body, refs, {}, date(2026, 11, 21), engine.Settings())
        firsts.append((time.perf_counter() - start) * 1000)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        engine.check(body, refs, {}, date(2026, 11, 21), engine.Settings())
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(firsts), statistics.median(times)


def corpus() -> None:
    """The six PLOS articles as imported, checked once and again; then how fast their
    paragraphs are split (no cache) and how many the pass over full stops leaves to pysbd."""
    files = sorted(PLOS.glob("*.xml")) if PLOS.is_dir() else []
    if not files:
        print(f"\n({PLOS} is absent: no corpus figures.)")
        return
    print("\n| PLOS article | words | references | first run ms | repeat ms (median) |")
    print("|---|---|---|---|---|")
    paragraphs = []
    for path in files:
        article = parse_jats(path.read_bytes())
        first, repeat_ms = measure(article.body, article.references, 5)
        print(f"| {path.stem} | {len(article.body.split()):,} | {len(article.references)} | "
              f"{first:.1f} | {repeat_ms:.1f} |")
        document = Document(article.body)
        paragraphs += [document.text_of(block) for block in document.blocks
                       if block.kind == "text"]
    size = sum(len(text.encode()) for text in paragraphs) / 1000
    start = time.perf_counter()
    for text in paragraphs:
        pysbd_spans(text, letter_lists=True)
    pysbd_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for text in paragraphs:
        _sentence_spans(text)
    ours_seconds = time.perf_counter() - start
    left_to_pysbd = 0
    for text in paragraphs:
        try:
            rule_spans(text)
        except NeedsPysbd:
            left_to_pysbd += 1
    print(f"\nSplitting the corpus's {len(paragraphs)} paragraphs ({size:.0f} KB): pysbd "
          f"{pysbd_seconds * 1000:.0f} ms ({size / pysbd_seconds:,.0f} KB/s), "
          f"reviewapp.citations.sentences {ours_seconds * 1000:.0f} ms "
          f"({size / ours_seconds:,.0f} KB/s; {left_to_pysbd} paragraphs left to pysbd).")


def main() -> None:
    base_paragraphs = 5000 // len(PARAGRAPH.split())  # about 5,000 words
    print("| body | words | references | first run ms | repeat ms (median) |")
    print("|---|---|---|---|---|")
    warm_up()
    for factor, repeat, first_runs in ((1, 20, 9), (10, 5, 3), (100, 1, 1)):
        # Distinct paragraphs at every size, so the per-paragraph cache cannot hide cost.
        body, refs = article(base_paragraphs * factor)
        body = "\n\n".join(f"{p} (part {factor}.{i})"
                            for i, p in enumerate(body.split("\n\n")))
        first, repeat_ms = measure(body, refs, repeat, first_runs)
        print(f"| {factor}x | {len(body.split()):,} | {len(refs)} | {first:.1f} | "
              f"{repeat_ms:.1f} |")
    corpus()


if __name__ == "__main__":
    main()
