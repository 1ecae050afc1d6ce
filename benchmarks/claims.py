"""How precise the claim-uncited check is: precision and recall on the labelled sentences in
tests/data/claim_sentences.tsv (the labelling rule is at the top of that file), and how
often it fires on the PLOS articles in ../shared/corpus/plos. Prints Markdown tables. Run
with `make bench` (or `python -m benchmarks.claims`; `--list` lists what it gets wrong)."""

import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from reviewapp.citations import engine
from reviewapp.citations.engine.claim_checks import claim_findings
from reviewapp.citations.engine.document import Document
from reviewapp.citations.jats import parse_jats

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "claim_sentences.tsv"
CORPUS = ROOT.parent / "shared" / "corpus" / "plos"
KINDS = ("dose", "frequency", "statistic", "recommendation", "risk", "none")


@dataclass(frozen=True)
class LabelledSentence:
    needs_citation: bool
    kind: str
    source: str
    section: tuple[str, ...]  # the headings above the sentence, outermost first
    sentence: str


def labelled_sentences(path: Path = LABELLED) -> list[LabelledSentence]:
    rows = []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    for line in lines[1:]:  # the first is the column names
        needs, kind, source, section, sentence = line.split("\t")
        if needs not in ("yes", "no") or kind not in KINDS:
            raise ValueError(f"{path.name}: bad label in {line!r}")
        rows.append(LabelledSentence(needs == "yes", kind, source,
                                     tuple(section.split(" > ")) if section else (), sentence))
    return rows


def flagged(row: LabelledSentence) -> bool:
    """Would the engine ask for a citation for this sentence, written alone, with no
    citation marker, under its headings, in an article that has references?"""
    headings = [f"{'#' * level} {text}\n\n" for level, text in enumerate(row.section, start=1)]
    document = Document("".join(headings) + row.sentence + "\n")
    return any(finding.code == "claim-uncited"
               for finding in claim_findings(document, has_references=True))


@dataclass
class Tally:
    sentences: int = 0
    needing: int = 0       # labelled "needs a citation"
    flagged: int = 0       # the engine reports claim-uncited
    right: int = 0         # both

    @property
    def precision(self) -> float:
        return self.right / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.needing if self.needing else 1.0


@dataclass
class Scores:
    overall: Tally = field(default_factory=Tally)
    by_kind: dict[str, Tally] = field(default_factory=dict)
    by_origin: dict[str, Tally] = field(default_factory=dict)  # "plos", "written"
    misses: list[LabelledSentence] = field(default_factory=list)       # needs one, not flagged
    false_alarms: list[LabelledSentence] = field(default_factory=list)  # flagged, needs none


def score(rows: list[LabelledSentence]) -> Scores:
    scores = Scores(by_kind={kind: Tally() for kind in KINDS})
    for row in rows:
        was_flagged = flagged(row)
        origin = scores.by_origin.setdefault(row.source.split("/")[0], Tally())
        for tally in (scores.overall, scores.by_kind[row.kind], origin):
            tally.sentences += 1
            tally.needing += row.needs_citation
            tally.flagged += was_flagged
            tally.right += was_flagged and row.needs_citation
        if row.needs_citation and not was_flagged:
            scores.misses.append(row)
        elif was_flagged and not row.needs_citation:
            scores.false_alarms.append(row)
    return scores


def flagged_in_articles(folder: Path = CORPUS) -> set[tuple[str, str]]:
    """(source, sentence) of every sentence the engine flags when each corpus article is
    checked whole with all its citation markers removed: how the labelled PLOS sentences
    fare in place, where their headings and the article's own results are around them."""
    found = set()
    for path in sorted(folder.glob("*.xml")):
        body = parse_jats(path.read_bytes()).body
        pieces, position = [], 0
        for marker in Document(body).markers:
            pieces.append(body[position:marker.start])
            position = marker.start + len(marker.text)
        pieces.append(body[position:])
        for finding in claim_findings(Document("".join(pieces)), has_references=True):
            found.add((f"plos/{path.name}", _as_labelled(finding.sentence or "")))
    return found


def _as_labelled(sentence: str) -> str:
    """A sentence written as the labelled set writes it (no space before punctuation, no
    brackets a removed marker left empty)."""
    sentence = re.sub(r"\s+([.,;:!?)])", r"\1", " ".join(sentence.split()))
    return " ".join(re.sub(r"\(\s*\)|\[\s*\]", "", sentence).split())


def corpus_rates(folder: Path = CORPUS) -> list[tuple[str, int, int, int]]:
    """(article, words, references, claim-uncited findings) for each JATS article."""
    rates = []
    for path in sorted(folder.glob("*.xml")):
        article = parse_jats(path.read_bytes())
        report = engine.check(article.body, article.references, {}, date(2026, 1, 1),
                              engine.Settings())
        uncited = sum(finding.code == "claim-uncited" for finding in report.findings)
        rates.append((path.name, len(article.body.split()), len(article.references), uncited))
    return rates


def main() -> None:
    rows = labelled_sentences()
    scores = score(rows)
    if "--list" in sys.argv:  # every sentence the check gets wrong, to see why
        for title, wrong in (("Missed", scores.misses), ("Flagged wrongly", scores.false_alarms)):
            print(f"{title}: {len(wrong)}")
            for row in wrong:
                print(f"  {row.kind:<14} {row.source:<34} {' > '.join(row.section)[-30:]:<30} "
                      f"{row.sentence}")
        return
    print(f"Labelled set: {LABELLED.relative_to(ROOT)}, {len(rows)} sentences, "
          f"{scores.overall.needing} need a citation.\n")
    print("| sentences | count | need a citation | flagged | precision | recall |")
    print("|---|---|---|---|---|---|")
    rows_shown = [*((f"kind {kind}", tally) for kind, tally in scores.by_kind.items()),
                  *((f"from {origin}", tally) for origin, tally in scores.by_origin.items()),
                  ("all", scores.overall)]
    for name, tally in rows_shown:
        print(f"| {name} | {tally.sentences} | {tally.needing} | {tally.flagged} | "
              f"{tally.precision:.2f} | {tally.recall:.2f} |")
    if not CORPUS.is_dir():
        print(f"\n{CORPUS} is absent: no corpus figures.")
        return
    in_place, in_articles = Tally(), flagged_in_articles()
    for row in rows:
        if row.source.startswith("plos/"):
            was_flagged = (row.source, row.sentence) in in_articles
            in_place.sentences += 1
            in_place.needing += row.needs_citation
            in_place.flagged += was_flagged
            in_place.right += was_flagged and row.needs_citation
    print(f"| from plos, each judged in its article | {in_place.sentences} | {in_place.needing} "
          f"| {in_place.flagged} | {in_place.precision:.2f} | {in_place.recall:.2f} |")
    print("\n| article | words | references | claim-uncited | per 1,000 words |")
    print("|---|---|---|---|---|")
    total_words = total_found = 0
    for name, words, references, found in corpus_rates():
        total_words += words
        total_found += found
        print(f"| {name} | {words:,} | {references} | {found} | {1000 * found / words:.2f} |")
    print(f"| all | {total_words:,} | | {total_found} | {1000 * total_found / total_words:.2f} |")


if __name__ == "__main__":
    main()
