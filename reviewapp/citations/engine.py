"""Citation checks on an article body and its reference list (DESIGN §4). Pure module:
check() takes text, the retraction notices for the references and settings, and returns a
Report; it never raises and gives the same report for the same input."""

import bisect
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from reviewapp.citations.claims import CLAIM, CLAIM_DESCRIPTIONS, find_claim, sentence_spans
from reviewapp.citations.identifiers import (
    ParsedReference,
    find_web_urls,
    identifiers_in_url,
    parse_reference,
    url_host,
)
from reviewapp.citations.markers import Marker, find_markers_in_masked, mask_code

ERROR, WARNING, INFO = "error", "warning", "info"

# The catalogue in DESIGN §4; the order is also the order of findings at one place.
CODES = {
    "no-references": ERROR,
    "marker-malformed": ERROR,
    "marker-unresolved": ERROR,
    "reference-order": WARNING,
    "claim-uncited": WARNING,
    "link-unlisted": WARNING,
    "identifier-invalid": ERROR,
    "reference-retracted": ERROR,
    "reference-concern": WARNING,
    "reference-corrected": INFO,
    "reference-duplicate": WARNING,
    "reference-uncited": WARNING,
    "reference-unidentified": WARNING,
    "reference-stale": INFO,
}
_CODE_ORDER = {code: index for index, code in enumerate(CODES)}


@dataclass(frozen=True)
class Retraction:
    nature: str  # "Retraction" | "Expression of concern" | "Correction" | "Reinstatement"
    record_id: str
    reason: str = ""
    date: str = ""


@dataclass(frozen=True)
class Settings:
    stale_reference_years: int = 10
    link_allowlist: tuple[str, ...] = ()  # host names; subdomains match


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    reference: int | None = None
    marker: str | None = None
    sentence: str | None = None
    offset: int | None = None

    @property
    def key(self) -> str:
        """Stable across re-runs of the same text; editor waivers attach to it."""
        digest = hashlib.sha256((self.sentence or "").encode("utf-8", "replace")).hexdigest()
        reference = "" if self.reference is None else str(self.reference)
        return f"{self.code}:{reference}:{self.marker or ''}:{digest[:12]}"


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]

    def summary(self) -> dict:
        counts = {ERROR: 0, WARNING: 0, INFO: 0}
        for finding in self.findings:
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
        return counts

    def to_json(self) -> dict:
        return {
            "findings": [
                {"code": finding.code, "severity": finding.severity, "message": finding.message,
                 "reference": finding.reference, "marker": finding.marker,
                 "sentence": finding.sentence}
                for finding in self.findings
            ],
            "summary": self.summary(),
        }

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.severity == ERROR)


def retraction_keys(ref: ParsedReference) -> list[str]:
    """Keys under which retraction notices for this reference are looked up."""
    keys = []
    if ref.doi:
        keys.append(f"doi:{ref.doi}")
    if ref.pmid:
        keys.append(f"pmid:{ref.pmid}")
    return keys


def check(body: str, references: Sequence[str], retractions: Mapping[str, Retraction],
          today: date, settings: Settings) -> Report:
    """All citation findings for one revision, in a fixed order."""
    body = body if isinstance(body, str) else ""
    texts = [text if isinstance(text, str) else "" for text in (references or ())]
    parsed = [parse_reference(number, text) for number, text in enumerate(texts, start=1)]
    document = _Document(body)
    settings = settings if isinstance(settings, Settings) else Settings()

    findings: list[Finding] = []
    findings += _marker_findings(document, len(parsed))
    findings += _order_findings(document, len(parsed))
    findings += _claim_findings(document, has_references=bool(parsed))
    findings += _link_findings(document, parsed, settings)
    findings += _reference_findings(document, parsed, retractions or {}, today, settings)
    return Report(findings=_in_order(findings))


def _finding(code: str, message: str, **location) -> Finding:
    return Finding(code=code, severity=CODES[code], message=message, **location)


def _in_order(findings: list[Finding]) -> tuple[Finding, ...]:
    """Findings in the text first, by position, then findings on references, by number;
    one finding per key."""
    def place(finding: Finding) -> tuple:
        in_text = finding.offset is not None and finding.reference is None
        where = finding.offset if in_text else (finding.reference or 0)
        return (0 if in_text else 1, where, _CODE_ORDER[finding.code], finding.key)

    unique: dict[str, Finding] = {}
    for finding in sorted(findings, key=place):
        unique.setdefault(finding.key, finding)
    return tuple(unique.values())


# -- the body: blocks, sentences, markers ------------------------------------------------------

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")
_HEADING = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]|$)")
_SETEXT_OR_RULE = re.compile(r"[ \t]{0,3}(?:=+|-+|(?:[-*_][ \t]*){3,})[ \t]*$")
_TABLE_ROW = re.compile(r"[ \t]*\|")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_LINE_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:[-*+]|\d{1,9}[.)]|#{1,6})?[ \t]", re.MULTILINE)


@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    kind: str  # "text" (a paragraph or list item), "heading" or "table" (one row)


class _Document:
    """The body with code blanked, cut into blocks; sentences are split on demand."""

    def __init__(self, body: str):
        self.body = body
        self.masked = mask_code(body)
        self.blocks = _blocks(self.masked)
        self.block_starts = [block.start for block in self.blocks]
        self.markers: list[Marker] = find_markers_in_masked(self.masked)
        self.marker_starts = [marker.start for marker in self.markers]
        self._texts: dict[int, str] = {}
        self._sentences: dict[int, list[tuple[int, int]]] = {}

    def block_at(self, offset: int) -> _Block | None:
        index = bisect.bisect_right(self.block_starts, offset) - 1
        if index >= 0 and offset < self.blocks[index].end:
            return self.blocks[index]
        return None

    def text_of(self, block: _Block) -> str:
        """The block as the splitter and the claim patterns see it (same length)."""
        if block.start not in self._texts:
            self._texts[block.start] = _for_splitting(self.masked[block.start:block.end])
        return self._texts[block.start]

    def sentences(self, block: _Block) -> list[tuple[int, int]]:
        if block.start not in self._sentences:
            text = self.text_of(block)
            if block.kind == "text":
                spans = sentence_spans(text)
            else:
                lead = len(text) - len(text.lstrip())
                spans = ((lead, len(text.rstrip())),) if text.strip() else ()
            self._sentences[block.start] = [
                (block.start + start, block.start + end) for start, end in spans]
        return self._sentences[block.start]

    def sentence_at(self, offset: int) -> tuple[int, int] | None:
        """The sentence holding offset; between sentences, the one before."""
        block = self.block_at(offset)
        spans = self.sentences(block) if block else []
        if not spans:
            return None
        index = bisect.bisect_right(spans, (offset, len(self.body) + 1)) - 1
        return spans[max(index, 0)]

    def sentence_text(self, span: tuple[int, int] | None) -> str | None:
        if span is None:
            return None
        return " ".join(self.body[span[0]:span[1]].split()) or None

    def markers_between(self, start: int, end: int) -> list[Marker]:
        low = bisect.bisect_left(self.marker_starts, start)
        high = bisect.bisect_left(self.marker_starts, end)
        return self.markers[low:high]


def _blocks(masked: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: list[int] = []  # [start, end] of the paragraph being read

    def close(kind: str = "text") -> None:
        if current:
            blocks.append(_Block(current[0], current[1], kind))
            current.clear()

    for found in _LINE.finditer(masked):
        if found.start() == found.end():
            break
        line_start = found.start()
        line = found[0].rstrip("\r\n")
        line_end = line_start + len(line)
        if not line.strip():
            close()
        elif _HEADING.match(line):
            close()
            blocks.append(_Block(line_start, line_end, "heading"))
        elif _SETEXT_OR_RULE.match(line):
            close("heading" if re.match(r"[ \t]*[=-]+[ \t]*$", line) else "text")
        elif _TABLE_ROW.match(line):
            close()
            blocks.append(_Block(line_start, line_end, "table"))
        else:
            if _LIST_ITEM.match(line):
                close()
            if not current:
                current[:] = [line_start, line_end]
            current[1] = line_end
    close()
    return blocks


def _for_splitting(text: str) -> str:
    """Same length as `text`: line breaks, list bullets, quote marks and links blanked so
    that they do not look like sentence ends to the splitter."""
    text = _LINE_PREFIX.sub(lambda found: " " * len(found[0]), text)
    pieces, position = [], 0
    for start, url in find_web_urls(text):
        pieces += [text[position:start], "x" * len(url)]
        position = start + len(url)
    pieces.append(text[position:])
    return "".join(pieces).replace("\r", " ").replace("\n", " ").replace("\t", " ")


# -- markers -----------------------------------------------------------------------------------

def _marker_findings(document: _Document, reference_count: int) -> list[Finding]:
    findings = []
    for marker in document.markers:
        missing = [number for number in marker.numbers if number > reference_count]
        if marker.problem:
            code = "marker-malformed"
            message = f"Marker {marker.text} is malformed: {marker.problem}."
        elif missing:
            code = "marker-unresolved"
            if reference_count == 0:
                message = f"Marker {marker.text} points at no reference (the list is empty)."
            elif missing == list(marker.numbers) and len(missing) == 1:
                message = (f"Marker {marker.text} points at no reference "
                           f"(the list has {reference_count}).")
            else:
                message = (f"Marker {marker.text} points at "
                           f"{_plural(len(missing), 'reference')} {_number_list(missing)}, "
                           f"which {'is' if len(missing) == 1 else 'are'} not in the list "
                           f"(the list has {reference_count}).")
        else:
            continue
        findings.append(_finding(
            code, message, marker=marker.text, offset=marker.start,
            sentence=document.sentence_text(document.sentence_at(marker.start))))
    return findings


def _order_findings(document: _Document, reference_count: int) -> list[Finding]:
    """Vancouver numbering: the first reference cited is 1, the next new one 2, and so on."""
    first_cited: list[tuple[int, Marker]] = []
    seen: set[int] = set()
    for marker in document.markers:
        for number in marker.numbers:
            if number <= reference_count and number not in seen:
                seen.add(number)
                first_cited.append((number, marker))
    expected = sorted(number for number, _ in first_cited)
    for (number, marker), wanted in zip(first_cited, expected, strict=True):
        if number != wanted:
            return [_finding(
                "reference-order",
                f"Reference {number} is cited before reference {wanted}; number the references "
                "in the order they are first cited.",
                reference=number, marker=marker.text, offset=marker.start,
                sentence=document.sentence_text(document.sentence_at(marker.start)))]
    return []


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def _number_list(numbers: list[int]) -> str:
    """[1, 2, 3, 5] -> "1–3 and 5"."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    parts = [str(low) if low == high else f"{low}–{high}" for low, high in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# -- claims ------------------------------------------------------------------------------------

def _claim_findings(document: _Document, has_references: bool) -> list[Finding]:
    findings = []
    for block in document.blocks:
        if block.kind == "heading" or not CLAIM.search(text := document.text_of(block)):
            continue
        spans = document.sentences(block)
        for index, (start, end) in enumerate(spans):
            claim = find_claim(text[start - block.start:end - block.start])
            if claim is None:
                continue
            description = CLAIM_DESCRIPTIONS[claim.kind]
            sentence = document.sentence_text((start, end))
            if not has_references:
                return [_finding(
                    "no-references",
                    "The article makes clinical claims but has no references; for example, "
                    f"this sentence {description} (“{claim.text}”).",
                    sentence=sentence, offset=start)]
            if document.markers_between(start, end):
                continue
            # "… 10 mg.[1]" or "… 10 mg. [1]": a marker right after the full stop counts
            if index + 1 < len(spans) and document.markers_between(
                    spans[index + 1][0], spans[index + 1][0] + 1):
                continue
            findings.append(_finding(
                "claim-uncited",
                f"This sentence {description} (“{claim.text}”) but cites no reference.",
                sentence=sentence, offset=start))
    return findings


# -- links -------------------------------------------------------------------------------------

_RESOLVER_HOSTS = frozenset({
    "doi.org", "dx.doi.org", "pubmed.ncbi.nlm.nih.gov", "ncbi.nlm.nih.gov",
    "pmc.ncbi.nlm.nih.gov",
})


def _bare_host(host: str) -> str:
    host = host.strip().strip(".").lower()
    return host[4:] if host.startswith("www.") else host


def _within(host: str, domains: set[str]) -> bool:
    """host is one of domains or a subdomain of one."""
    labels = host.split(".")
    return any(".".join(labels[index:]) in domains for index in range(len(labels)))


def _url_identity(url: str) -> tuple[str, str, str] | None:
    host = url_host(url)
    if host is None:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return _bare_host(host), parts.path.rstrip("/"), parts.query


def _link_findings(document: _Document, parsed: list[ParsedReference],
                   settings: Settings) -> list[Finding]:
    reference_urls = {_url_identity(url) for ref in parsed for url in ref.urls} - {None}
    reference_hosts = {identity[0] for identity in reference_urls} - _RESOLVER_HOSTS
    allowed = set()
    for entry in settings.link_allowlist or ():
        entry = str(entry)
        host = url_host(entry) if "://" in entry else entry.split("/")[0]
        if host and _bare_host(host):
            allowed.add(_bare_host(host))
    dois = {ref.doi for ref in parsed if ref.doi}
    pmids = {ref.pmid for ref in parsed if ref.pmid}
    pmcids = {ref.pmcid for ref in parsed if ref.pmcid}

    def listed(url: str, host: str) -> bool:
        if _url_identity(url) in reference_urls or _within(host, allowed):
            return True
        doi, pmid, pmcid = identifiers_in_url(url)
        if (doi and doi in dois) or (pmid and pmid in pmids) or (pmcid and pmcid in pmcids):
            return True
        return host not in _RESOLVER_HOSTS and _within(host, reference_hosts)

    unlisted: dict[tuple[int, int] | None, list[tuple[int, str]]] = {}
    for offset, url in find_web_urls(document.masked):
        host = url_host(url)
        if host is None or listed(url, _bare_host(host)):
            continue
        unlisted.setdefault(document.sentence_at(offset), []).append((offset, host))

    findings = []
    for span, links in unlisted.items():
        hosts = list(dict.fromkeys(host for _, host in links))
        if len(hosts) == 1:
            message = (f"The link to {hosts[0]} is neither one of the references nor on the "
                       "list of allowed sites.")
        else:
            message = (f"The links to {', '.join(hosts[:-1])} and {hosts[-1]} are neither "
                       "among the references nor on the list of allowed sites.")
        findings.append(_finding("link-unlisted", message, offset=links[0][0],
                                 sentence=document.sentence_text(span)))
    return findings


# -- references --------------------------------------------------------------------------------

def _reference_findings(document: _Document, parsed: list[ParsedReference],
                        retractions: Mapping[str, Retraction], today: date,
                        settings: Settings) -> list[Finding]:
    cited = {number for marker in document.markers for number in marker.numbers}
    stale_years = settings.stale_reference_years
    this_year = getattr(today, "year", None)
    findings = []
    first_with: dict[tuple[str, str], int] = {}
    for ref in parsed:
        number = ref.number
        if number not in cited:
            findings.append(_finding("reference-uncited",
                                     f"Reference {number} is never cited in the text.",
                                     reference=number))
        if ref.invalid:
            noun = "identifier" if len(ref.invalid) == 1 else "identifiers"
            findings.append(_finding(
                "identifier-invalid",
                f"Reference {number} has a malformed {noun}: {' '.join(ref.invalid)}",
                reference=number))
        if duplicate := _duplicate_of(ref, first_with):
            findings.append(_finding("reference-duplicate",
                                     f"Reference {number} repeats reference {duplicate}.",
                                     reference=number))
        if notice := _retraction_finding(ref, retractions):
            findings.append(notice)
        if not (ref.doi or ref.pmid or ref.pmcid or ref.isbn or ref.urls):
            findings.append(_finding(
                "reference-unidentified",
                f"Reference {number} has no DOI, PMID, PMCID, ISBN or web link (http:// or "
                "https://), so it cannot be verified.",
                reference=number))
        if (isinstance(stale_years, int) and isinstance(this_year, int) and stale_years >= 0
                and ref.year is not None and ref.year < this_year - stale_years):
            findings.append(_finding(
                "reference-stale",
                f"Reference {number} is from {ref.year}, more than {stale_years} years ago; "
                "check whether newer evidence exists.",
                reference=number))
    return findings


_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def _normalised_text(text: str) -> str:
    """Reference text compared without case, spacing or punctuation."""
    return _NOT_ALPHANUMERIC.sub("", text.casefold())


def _duplicate_of(ref: ParsedReference, first_with: dict[tuple[str, str], int]) -> str | None:
    """'2 (same DOI 10.1/x)' if an earlier reference has the same DOI, PMID or text."""
    duplicate = None
    for kind, value in (("DOI", ref.doi), ("PMID", ref.pmid),
                        ("text", _normalised_text(ref.text))):
        if not value:
            continue
        earlier = first_with.setdefault((kind, value), ref.number)
        if duplicate is None and earlier != ref.number:
            same = "the same text" if kind == "text" else f"the same {kind}, {value}"
            duplicate = f"{earlier} ({same})"
    return duplicate


def notice_kind(nature: object) -> str | None:
    """The finding code a Retraction Watch notice leads to ("reinstatement": none)."""
    nature = str(nature or "").casefold()
    if "reinstat" in nature:
        return "reinstatement"
    if "retract" in nature:
        return "reference-retracted"
    if "concern" in nature:
        return "reference-concern"
    if "correct" in nature or "erratum" in nature:
        return "reference-corrected"
    return None


def _retraction_finding(ref: ParsedReference,
                        retractions: Mapping[str, Retraction]) -> Finding | None:
    notices = []
    for key in retraction_keys(ref):
        try:
            notice = retractions.get(key)
        except Exception:  # a mapping that cannot be searched holds no notice for us
            notice = None
        if notice is not None:
            notices.append((notice_kind(getattr(notice, "nature", "")), notice))
    if any(kind == "reinstatement" for kind, _ in notices):
        return None  # the work was reinstated after the notice
    for code in ("reference-retracted", "reference-concern", "reference-corrected"):
        for kind, notice in notices:
            if kind == code:
                return _finding(code, _notice_message(code, ref.number, notice),
                                reference=ref.number)
    return None


def _notice_message(code: str, number: int, notice: Retraction) -> str:
    record = str(getattr(notice, "record_id", "") or "")
    when = str(getattr(notice, "date", "") or "")
    reason = str(getattr(notice, "reason", "") or "").strip().rstrip(".")
    details = ", ".join(part for part in (
        f"notice {record}" if record else "", when) if part)
    if reason:
        details = f"{details}: {reason}" if details else reason
    details = f" ({details})" if details else ""
    if code == "reference-retracted":
        return (f"Reference {number} has been retracted{details}. Remove it, or cite it only "
                "as retracted work.")
    if code == "reference-concern":
        return (f"Reference {number} is under an expression of concern{details}. Check that "
                "the article does not rely on it alone.")
    return (f"Reference {number} has a published correction{details}. Make sure the article "
            "uses the corrected findings.")
