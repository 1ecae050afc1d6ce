"""How precise the claim-uncited check is: precision and recall on the labelled sentences in
tests/data/claim_sentences.tsv (the labelling rule is at the top of that file), and how
often it fires on the PLOS articles in ../shared/corpus/plos. Prints Markdown tables. Run
with `make bench` (or `python -m benchmarks.claims`)."""

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
    misses: list[LabelledSentence] = field(default_factory=list)       # needs one, not flagged
    false_alarms: list[LabelledSentence] = field(default_factory=list)  # flagged, needs none


def score(rows: list[LabelledSentence]) -> Scores:
    scores = Scores(by_kind={kind: Tally() for kind in KINDS})
    for row in rows:
        was_flagged = flagged(row)
        for tally in (scores.overall, scores.by_kind[row.kind]):
            tally.sentences += 1
            tally.needing += row.needs_citation
            tally.flagged += was_flagged
            tally.right += was_flagged and row.needs_citation
        if row.needs_citation and not was_flagged:
            scores.misses.append(row)
        elif was_flagged and not row.needs_citation:
            scores.false_alarms.append(row)
    return scores


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
    print(f"Labelled set: {LABELLED.relative_to(ROOT)}, {len(rows)} sentences, "
          f"{scores.overall.needing} need a citation.\n")
    print("| kind | sentences | need a citation | flagged | precision | recall |")
    print("|---|---|---|---|---|---|")
    for name, tally in [*scores.by_kind.items(), ("all", scores.overall)]:
        print(f"| {name} | {tally.sentences} | {tally.needing} | {tally.flagged} | "
              f"{tally.precision:.2f} | {tally.recall:.2f} |")
    if not CORPUS.is_dir():
        print(f"\n{CORPUS} is absent: no corpus rates.")
        return
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
