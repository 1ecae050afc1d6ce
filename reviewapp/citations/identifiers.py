"""Identifiers in one reference as typed: DOI, PMID, PMCID, ISBN, ISSN, links and year.
Pure module; check digits come from python-stdnum."""

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from reviewapp.citations.doi import (
    doi_doubts,
    normalize_doi,
    quoted,
    strip_trailing_punctuation,
)

# Identifiers that name the work in a register (doi.org, PubMed, PubMed Central, ISBN
# agencies); with a web link, what a reader can check the work by. An ISSN names the journal.
REGISTERED_IDENTIFIERS = frozenset({"DOI", "PMID", "PMCID", "ISBN"})
WORK_IDENTIFIERS = REGISTERED_IDENTIFIERS | {"link"}


@dataclass(frozen=True)
class ParsedReference:
    number: int
    text: str
    doi: str | None
    pmid: str | None
    pmcid: str | None
    isbn: str | None
    issn: str | None
    urls: tuple[str, ...]
    year: int | None
    invalid: tuple[str, ...]  # what is wrong with each malformed identifier, in words
    # The kinds of the malformed ones ("DOI", "PMID", "PMCID", "ISBN", "ISSN", "link").
    invalid_kinds: frozenset[str] = frozenset()
    # Why a well-formed DOI looks made up or cut short, in words (offline, nothing more
    # can be known).
    suspicious: tuple[str, ...] = ()

    @property
    def identified(self) -> bool:
        """Gives a valid DOI, PMID, PMCID, ISBN or web link to check the work by."""
        return bool(self.doi or self.pmid or self.pmcid or self.isbn or self.urls)

    @property
    def misidentified(self) -> bool:
        """Gives an identifier of the work, but a malformed one: wrong, not missing."""
        return bool(self.invalid_kinds & WORK_IDENTIFIERS)


_WEB_URL = re.compile(r"https?://[^\s<>\"'`]*", re.IGNORECASE)
_OTHER_SCHEME_URL = re.compile(
    r"(?<![\w+.-])(?:(?!https?://)[a-z][a-z0-9+.-]{0,20}://\S*|(?:javascript|vbscript):\S*"
    r"|data:[a-z]+/[\w.+-]+[;,]\S*)",
    re.IGNORECASE)
# Links a browser would run or render inline. Browsers decode character references
# and skip tabs and newlines inside a scheme, so "java&#x09;script:" counts too.
_SCHEME_GAP = r"[\t\n\r]*"
_SCRIPT_LINK = re.compile(
    rf"(?<![\w+.-])(?:{_SCHEME_GAP.join('javascript')}|{_SCHEME_GAP.join('vbscript')}"
    rf"|{_SCHEME_GAP.join('data')}(?={_SCHEME_GAP}:{_SCHEME_GAP}[a-z]+/)){_SCHEME_GAP}:\S*",
    re.IGNORECASE)
_LABELLED_DOI = re.compile(
    r"\b(?:dx\.)?doi\.org/(\S+)|\bdoi\s*:\s*(\S+)|\bdoi\s+(?=10\.)(\S+)", re.IGNORECASE)
_BARE_DOI = re.compile(r"(?<![\w/.])10\.\d{4,9}(?:\.\d+)*/\S+")
_PMID = re.compile(r"\bPMID\s*:?\s*(\S+)", re.IGNORECASE)
_PMCID = re.compile(r"\bPMCID\s*:?\s*(\S+)", re.IGNORECASE)
_BARE_PMCID = re.compile(r"\bPMC(\d{1,9})\b")
_ISBN_LABEL = re.compile(r"\bISBN(?:-?1[03])?\s*:?\s*", re.IGNORECASE)
_ISBN13 = re.compile(r"97[89](?:[ -]?\d){9}[ -]?\d(?![\dXx])")
_ISBN10 = re.compile(r"\d(?:[ -]?\d){8}[ -]?[\dXx](?![\dXx])")
_ISSN = re.compile(r"\b(?:[ep]-?)?ISSN(?:-L)?\s*:?\s*(\S+)", re.IGNORECASE)
_ISSN_NUMBER = re.compile(r"\d{4}-?\d{3}[\dXx](?![\dXx])")
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
# Vancouver "Journal. 2019 Mar 5;12(3):1-9", then "(2019)", then "Publisher; 2019."
_YEAR_PATTERNS = (
    re.compile(rf"(?<![\w/.-])({_YEAR})(?:\s+{_MONTH}(?:\s+\d{{1,2}})?)?\s*;"),
    re.compile(rf"\(({_YEAR})[a-z]?\)"),
    re.compile(rf"[;,]\s*({_YEAR})\s*[.;]"),
)
_ANY_YEAR = re.compile(rf"(?<![\w/.-])({_YEAR})(?![\w/-])")
# Dates a web reference was cited or accessed say nothing about the work's age.
_ACCESS_DATE = re.compile(
    r"\[(?:cited|accessed|updated)[^\]]{0,60}\]|\b(?:accessed|cited|retrieved)\b[^.;\]]{0,40}",
    re.IGNORECASE)
_ACCESS_WORDS = ("cited", "accessed", "updated", "retrieved")

_PUBMED_HOSTS = {"pubmed.ncbi.nlm.nih.gov"}
_NCBI_HOSTS = {"ncbi.nlm.nih.gov", "www.ncbi.nlm.nih.gov"}
_PMC_HOSTS = {"pmc.ncbi.nlm.nih.gov", "www.pmc.ncbi.nlm.nih.gov"}
DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org"})


def url_host(url: str) -> str | None:
    """Lower-case host name of an http(s) link, or None if it has none."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return host.rstrip(".").lower() or None


def identifiers_in_url(url: str) -> tuple[str | None, str | None, str | None]:
    """(doi, pmid, pmcid) named by a doi.org, PubMed or PubMed Central link."""
    host = url_host(url)
    if host is None:
        return None, None, None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None, None, None
    if host in DOI_HOSTS:
        return normalize_doi(path.lstrip("/")), None, None
    if host in _PUBMED_HOSTS and (found := re.fullmatch(r"/([1-9]\d{0,8})/?", path)):
        return None, found[1], None
    if host in _NCBI_HOSTS:
        if found := re.fullmatch(r"/pubmed/([1-9]\d{0,8})/?", path):
            return None, found[1], None
        if found := re.fullmatch(r"/pmc/articles/(PMC\d{1,9})(?:/.*)?", path, re.IGNORECASE):
            return None, None, found[1].upper()
    if host in _PMC_HOSTS and (
            found := re.fullmatch(r"/articles/(PMC\d{1,9})(?:/.*)?", path, re.IGNORECASE)):
        return None, None, found[1].upper()
    return None, None, None


def find_web_urls(text: str) -> list[tuple[int, str]]:
    """http(s) links in free text as (offset, url), trailing punctuation removed."""
    found = []
    for match in _WEB_URL.finditer(text):
        found.append((match.start(), strip_trailing_punctuation(match[0])))
    return found


def script_links(text: str) -> list[str]:
    """javascript:, vbscript: and data: links in a reference, as typed after decoding."""
    rest = html.unescape(text)
    for start, url in find_web_urls(rest):  # what an http(s) link holds is its own business
        rest = _blank(rest, start, start + len(url))
    return [quoted(strip_trailing_punctuation(match[0])) for match in _SCRIPT_LINK.finditer(rest)]


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _check_isbn(candidate: str) -> tuple[str | None, str | None]:
    try:
        return stdnum_isbn.compact(stdnum_isbn.validate(candidate)), None
    except InvalidChecksum:
        return None, f"ISBN {candidate} has a wrong check digit (a typing error?)."
    except InvalidLength:
        return None, f"ISBN {quoted(candidate)} does not have 10 or 13 digits."
    except ValidationError:
        return None, f"ISBN {quoted(candidate)} is not a valid ISBN."


def _check_issn(candidate: str) -> tuple[str | None, str | None]:
    try:
        return stdnum_issn.format(stdnum_issn.validate(candidate)), None
    except InvalidChecksum:
        return None, f"ISSN {candidate} has a wrong check digit (a typing error?)."
    except ValidationError:
        return None, (f"ISSN {quoted(candidate)} is not a valid ISSN "
                      "(it has 8 digits, like 1234-5679).")


def parse_reference(number: int, text: str) -> ParsedReference:
    """Every identifier in one reference; malformed ones become human messages in `invalid`."""
    if isinstance(number, int) and isinstance(text, str):
        return _parse_reference_cached(number, text)
    return _parse_reference(number, text)


@lru_cache(maxsize=8192)
def _parse_reference_cached(number: int, text: str) -> ParsedReference:
    """Re-checking a draft re-parses the same references: the result is immutable."""
    return _parse_reference(number, text)


@dataclass
class _ReferenceScan:
    """What the passes over one reference have found so far, in the order found."""
    rest: str  # the text with identifiers found blanked out, so later patterns do not see them
    invalid: list[str] = field(default_factory=list)
    invalid_kinds: set[str] = field(default_factory=set)
    suspicious: list[str] = field(default_factory=list)
    dois: list[str] = field(default_factory=list)
    pmids: list[str] = field(default_factory=list)
    pmcids: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    isbns: list[str] = field(default_factory=list)
    issns: list[str] = field(default_factory=list)

    def blank(self, start: int, end: int) -> None:
        self.rest = _blank(self.rest, start, end)

    def malformed(self, kind: str, message: str | None) -> None:
        if message:
            self.invalid.append(message)
            self.invalid_kinds.add(kind)

    def add_doi(self, typed: str) -> bool:
        """Keep the DOI in `typed` (as written, prefix and all), with any doubt about its
        shape; False when it is not a DOI."""
        doi = normalize_doi(typed)
        if doi:
            self.dois.append(doi)
            self.suspicious += doi_doubts(typed)
        return doi is not None


def _parse_reference(number, text) -> ParsedReference:
    """Each pass blanks out what it takes, so the order matters: a link before the DOI in it."""
    raw = text if isinstance(text, str) else ("" if text is None else str(text))
    scan = _ReferenceScan(rest=raw)
    # A pass whose keyword is nowhere in the text cannot match: skipping it saves about a
    # third of the parsing time (ASCII text only: ignoring case, "ſ" matches "s").
    words = raw.lower() if raw.isascii() else None

    # Identifiers sit near the end of a reference: a pass also starts its scan where its
    # first keyword is (less `lead` characters: "dx." before "doi", "e-" before "issn").
    def first_at(*keywords: str, lead: int = 0) -> int | None:
        if words is None:
            return 0
        found = [index for keyword in keywords if (index := words.find(keyword)) >= 0]
        return max(min(found) - lead, 0) if found else None

    _take_web_links(scan)
    if first_at("://", "script:", "data:") is not None:
        _take_other_scheme_links(scan)
    if (start := first_at("doi", "10.", lead=3)) is not None:
        _take_dois(scan, start)
    if (start := first_at("pmid")) is not None:
        _take_pmids(scan, start)
    if (start := first_at("pmc")) is not None:
        _take_pmcids(scan, start)
    if (start := first_at("isbn")) is not None:
        _take_isbns(scan, start)
    if (start := first_at("issn", lead=2)) is not None:
        _take_issns(scan, start)
    return ParsedReference(
        number=number,
        text=raw,
        doi=scan.dois[0] if scan.dois else None,
        pmid=scan.pmids[0] if scan.pmids else None,
        pmcid=scan.pmcids[0].upper() if scan.pmcids else None,
        isbn=scan.isbns[0] if scan.isbns else None,
        issn=scan.issns[0] if scan.issns else None,
        urls=tuple(dict.fromkeys(scan.urls)),
        year=_publication_year(scan.rest),
        invalid=tuple(dict.fromkeys(scan.invalid)),
        invalid_kinds=frozenset(scan.invalid_kinds),
        suspicious=tuple(dict.fromkeys(scan.suspicious)),
    )


def _take_web_links(scan: _ReferenceScan) -> None:
    """http(s) links, and the DOI, PMID or PMCID a resolver link names."""
    for start, url in find_web_urls(scan.rest):
        if url_host(url) is None:
            scan.malformed("link", f"Link {quoted(url)} is not a complete web address.")
        elif url_host(url) in DOI_HOSTS:
            scan.urls.append(url)
            # As typed, up to the space: "https://doi.org/10.1056/NEJMoa..." was shortened.
            typed = _WEB_URL.match(scan.rest, start)[0]
            if not scan.add_doi(urlsplit(typed).path.lstrip("/")):
                scan.malformed("DOI", f"DOI link {quoted(url)} does not contain a valid DOI.")
        else:
            scan.urls.append(url)
            _, pmid, pmcid = identifiers_in_url(url)
            scan.pmids += [pmid] if pmid else []
            scan.pmcids += [pmcid] if pmcid else []
        scan.blank(start, start + len(url))


def _take_other_scheme_links(scan: _ReferenceScan) -> None:
    for match in _OTHER_SCHEME_URL.finditer(scan.rest):
        link = strip_trailing_punctuation(match[0])
        scan.malformed(
            "link", f"Link {quoted(link)} is not a web address; use an http:// or https:// link.")
        scan.blank(match.start(), match.end())


def _take_dois(scan: _ReferenceScan, start: int = 0) -> None:
    """Labelled DOIs ("doi:", "doi.org/"), then bare ones; a malformed bare one is not reported."""
    for match in _LABELLED_DOI.finditer(scan.rest, start):
        token = match[1] or match[2] or match[3] or ""
        if not scan.add_doi(token):
            scan.malformed("DOI", f"DOI {quoted(strip_trailing_punctuation(token))} is not a "
                                  "valid DOI (a DOI looks like 10.1234/abc).")
        scan.blank(match.start(), match.end())
    for match in _BARE_DOI.finditer(scan.rest, start):
        scan.add_doi(match[0])
        scan.blank(match.start(), match.end())


def _take_pmids(scan: _ReferenceScan, start: int = 0) -> None:
    """Labelled PMIDs (before the PMCIDs: "PMID: 1 PMCID: PMC2")."""
    for match in _PMID.finditer(scan.rest, start):
        token = strip_trailing_punctuation(match[1])
        if re.fullmatch(r"[1-9]\d{0,8}", token):
            scan.pmids.append(token)
        else:
            scan.malformed(
                "PMID", f"PMID {quoted(token)} is not a PubMed number (it is 1 to 9 digits).")
        scan.blank(match.start(), match.end())


def _take_pmcids(scan: _ReferenceScan, start: int = 0) -> None:
    """Labelled PMCIDs, then bare PMC numbers."""
    for match in _PMCID.finditer(scan.rest, start):
        token = strip_trailing_punctuation(match[1])
        if found := re.fullmatch(r"(?:PMC)?(\d{1,9})", token, re.IGNORECASE):
            scan.pmcids.append(f"PMC{found[1]}")
        else:
            scan.malformed("PMCID", f"PMCID {quoted(token)} is not a PubMed Central number "
                                    "(it looks like PMC1234567).")
        scan.blank(match.start(), match.end())
    for match in _BARE_PMCID.finditer(scan.rest, start):
        scan.pmcids.append(f"PMC{match[1]}")
        scan.blank(match.start(), match.end())


def _take_isbns(scan: _ReferenceScan, start: int = 0) -> None:
    """The number after each "ISBN" label; a label followed by no number at all is ignored."""
    for label in _ISBN_LABEL.finditer(scan.rest, start):
        number_match = (_ISBN13.match(scan.rest, label.end())
                        or _ISBN10.match(scan.rest, label.end()))
        if number_match:
            value, problem = _check_isbn(number_match[0])
            end = number_match.end()
        else:
            token = re.match(r"\S*", scan.rest[label.end():])[0]
            token = strip_trailing_punctuation(token)
            value, problem = (None, _check_isbn(token)[1]) if token else (None, None)
            end = label.end() + len(token)
        scan.isbns += [value] if value else []
        scan.malformed("ISBN", problem)
        scan.blank(label.start(), end)


def _take_issns(scan: _ReferenceScan, start: int = 0) -> None:
    for match in _ISSN.finditer(scan.rest, start):
        number_match = _ISSN_NUMBER.match(scan.rest, match.start(1))
        token = number_match[0] if number_match else strip_trailing_punctuation(match[1])
        value, problem = _check_issn(token)
        scan.issns += [value] if value else []
        scan.malformed("ISSN", problem)
        scan.blank(match.start(), match.start(1) + len(token))


def _publication_year(text: str) -> int | None:
    """Year of publication; identifiers and links are already blanked out of `text`."""
    if not text.isascii() or any(word in text.lower() for word in _ACCESS_WORDS):
        text = _ACCESS_DATE.sub(" ", text)
    for pattern in _YEAR_PATTERNS:
        if found := pattern.search(text):
            return int(found[1])
    # A year in a title ("The 2009 pandemic") is older than the work: take the latest.
    years = [int(found[1]) for found in _ANY_YEAR.finditer(text)]
    return max(years) if years else None
