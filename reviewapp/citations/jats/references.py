"""The reference list: each <ref> as one line of text ending with its identifiers
("doi:…", "PMID: …", "PMCID: …"), and the number each reference id stands for."""

from __future__ import annotations

import re

from lxml import etree

from reviewapp.citations.jats.text import SILENT, collapse, entity_text, local_name, plain_text

_CITATION_TAGS = ("mixed-citation", "element-citation", "nlm-citation", "citation")
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

_DOI_LABELLED = re.compile(r"\bdoi:\s*(10\.\d{4,9}/\S+)", re.I)
_DOI_URL = re.compile(r"^(?:https?://)?(?:dx\.|www\.)?doi\.org/(10\.\d{4,9}/\S+)$", re.I)
_PUBMED_URL = re.compile(r"ncbi\.nlm\.nih\.gov/(?:pubmed|entrez/query\.fcgi\?.*list_uids=)/?(\d+)")


def reference_positions(refs: list) -> dict[str, int]:
    """Every id inside each <ref> → the reference's number, counting from 1."""
    positions: dict[str, int] = {}
    for number, ref in enumerate(refs, start=1):
        for element in ref.iter():
            element_id = element.get("id") if isinstance(element.tag, str) else None
            if element_id:
                positions.setdefault(element_id, number)
    return positions


def reference_text(ref) -> str:
    """One reference as a line of text ending with its identifiers ("doi:…", "PMID: …")."""
    citation = _citation(ref)
    identifiers = _identifiers(ref)
    if citation is None:
        text = " ".join(plain_text(child) for child in ref if local_name(child) != "label")
    elif local_name(citation) == "mixed-citation" and not _is_structured(citation):
        text = _mixed_text(citation)
    else:
        text = _structured_text(citation)
    text = collapse(text)
    if "doi" not in identifiers:
        labelled = _DOI_LABELLED.search(text)
        if labelled:
            identifiers["doi"] = labelled.group(1).rstrip(".,;:)]")
    return _with_identifiers(text, identifiers)


def _citation(ref):
    """The first citation element of a <ref>, in the order of _CITATION_TAGS."""
    citation = None
    for tag in _CITATION_TAGS:
        citation = ref.find(tag)
        if citation is None:
            alternatives = ref.find("citation-alternatives")
            if alternatives is not None:
                citation = alternatives.find(tag)
        if citation is not None:
            break
    return citation


def _is_structured(citation) -> bool:
    """Mixed citations normally carry their own punctuation; some carry none."""
    loose = [citation.text or ""] + [child.tail or "" for child in citation]
    return not "".join(loose).strip()


# Identifiers -----------------------------------------------------------------------------


def _identifiers(ref) -> dict[str, str]:
    found: dict[str, str] = {}
    for pub_id in ref.iter("pub-id"):
        kind = (pub_id.get("pub-id-type") or "").lower()
        value = collapse(plain_text(pub_id))
        if not value:
            continue
        if kind == "doi":
            match = _DOI_URL.match(value)
            found.setdefault("doi", match.group(1) if match else re.sub(
                r"^doi:\s*", "", value, flags=re.I))
        elif kind == "pmid":
            found.setdefault("pmid", value)
        elif kind in ("pmcid", "pmc"):
            found.setdefault("pmcid", value if value.upper().startswith("PMC") else f"PMC{value}")
    for link in ref.iter("ext-link", "uri"):
        href = (link.get(_XLINK_HREF) or "").strip()
        text = collapse(plain_text(link))
        for candidate in (href, text):
            match = _DOI_URL.match(candidate) or re.fullmatch(
                r"(?:doi:\s*)?(10\.\d{4,9}/\S+)", candidate, re.I)
            if match and "doi" not in found:
                found["doi"] = match.group(1).rstrip(".,;")
            pubmed = _PUBMED_URL.search(candidate)
            if pubmed and "pmid" not in found:
                found["pmid"] = pubmed.group(1)
    return found


def _with_identifiers(text: str, identifiers: dict[str, str]) -> str:
    """The text without its identifiers, ended as a sentence, then the identifiers in order."""
    doi, pmid, pmcid = identifiers.get("doi"), identifiers.get("pmid"), identifiers.get("pmcid")
    if doi:
        text = re.sub(
            r"(?:\bdoi:\s*|(?:https?://)?(?:dx\.|www\.)?doi\.org/)?" + re.escape(doi), "", text,
            flags=re.I)
    if pmid:
        text = re.sub(r"\bPMID:?\s*" + re.escape(pmid) + r"\b", "", text)
    if pmcid:
        text = re.sub(r"\b(?:PMCID:?\s*)?" + re.escape(pmcid) + r"\b", "", text)
    text = re.sub(r"\bdoi:\s*(?=[.,;]|$)", "", text, flags=re.I)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\s+([.,;:])", r"\1", text)
    text = re.sub(r"([.,;:])\s*\.(?=\s|$)", r"\1", text)
    text = collapse(text).rstrip(" ,;:")
    if text and text[-1] not in ".?!" and not re.search(r"\bhttps?://\S+$", text):
        text += "."
    suffix = []
    if doi:
        suffix.append(f"doi:{doi}")
    if pmid:
        suffix.append(f"PMID: {pmid}")
    if pmcid:
        suffix.append(f"PMCID: {pmcid}")
    return " ".join([text, *suffix]).strip()


# Text of a citation ----------------------------------------------------------------------


def _mixed_text(element) -> str:
    """A mixed citation's text as printed, with each <name> as "Surname GN"."""
    parts = [element.text or ""]
    for child in element:
        name = local_name(child)
        if isinstance(child, etree._Entity):
            parts.append(entity_text(child))
        elif name == "name":
            parts.append(_name(child))
        elif name in ("label", "pub-id") or name in SILENT:
            pass
        else:
            parts.append(_mixed_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _name(name) -> str:
    surname = _field(name, "surname")
    given = name.find("given-names")
    initials = _initials(collapse(plain_text(given))) if given is not None else ""
    parts = [surname, initials, _field(name, "suffix")]
    return " ".join(part for part in parts if part)


def _initials(given: str) -> str:
    """"John Adam" → "JA"; "J. A." → "JA"; initials already written ("MM") stay."""
    tokens = [token for token in re.split(r"[\s.\-]+", given) if token]
    if len(tokens) == 1 and tokens[0].isupper() and len(tokens[0]) <= 4:
        return tokens[0]
    return "".join(token[0].upper() for token in tokens if token[0].isalpha())


def _field(citation, tag: str) -> str:
    element = citation.find(tag)
    return collapse(plain_text(element)) if element is not None else ""


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".?!" else text + "."


def _people(group) -> str:
    names = []
    etal = False
    for child in group:
        name = local_name(child)
        if name == "name":
            names.append(_name(child))
        elif name in ("collab", "string-name", "name-alternatives"):
            names.append(collapse(plain_text(child)))
        elif name == "etal":
            etal = True
    text = ", ".join(name for name in names if name)
    if etal and text:
        text += ", et al"
    return text


def _structured_text(citation) -> str:
    """A Vancouver-like line from an element-citation or nlm-citation."""
    authors, editors = _authors_and_editors(citation)
    kind = citation.get("publication-type") or citation.get("citation-type") or ""
    title = _field(citation, "article-title") or _field(citation, "chapter-title")
    volume, publisher = _field(citation, "volume"), _field(citation, "publisher-name")
    parts = [_sentence(authors), _sentence(title)]
    if kind == "journal" or (volume and not publisher):
        parts.extend(_journal_parts(citation))
    else:
        if editors and title:
            parts.append(_sentence(f"In: {editors}, editors"))
        parts.extend(_book_parts(citation))
    for child in citation:
        name = local_name(child)
        if name in ("comment", "ext-link", "uri", "date-in-citation", "annotation"):
            parts.append(collapse(_mixed_text(child)))
    return " ".join(part for part in parts if part)


def _authors_and_editors(citation) -> tuple[str, str]:
    authors = editors = ""
    for group in citation.iterfind("person-group"):
        kind = group.get("person-group-type", "author")
        if kind == "author" and not authors:
            authors = _people(group)
        elif kind == "editor" and not editors:
            editors = _people(group)
    if not authors:
        authors = _people(citation)
    return authors, editors


def _pages(citation) -> tuple[str, str]:
    """(first page, what to print as the pages: "10–19", "10", an e-location or a range)."""
    first_page, last_page = _field(citation, "fpage"), _field(citation, "lpage")
    pages = f"{first_page}\u2013{last_page}" if first_page and last_page else first_page
    pages = pages or _field(citation, "elocation-id") or _field(citation, "page-range")
    return first_page, pages


def _journal_parts(citation) -> list[str]:
    """"Source." and "Year;Volume(Issue):Pages."."""
    year = _field(citation, "year")
    volume, issue = _field(citation, "volume"), _field(citation, "issue")
    _first_page, pages = _pages(citation)
    numbering = volume + (f"({issue})" if issue else "")
    date_and_numbering = year + (";" + numbering if numbering and year else numbering)
    if pages:
        date_and_numbering += (":" if date_and_numbering else "") + pages
    return [_sentence(_field(citation, "source")), _sentence(date_and_numbering)]


def _book_parts(citation) -> list[str]:
    """Source, edition, conference, "Place: Publisher; Year." and "p. Pages."."""
    parts = [_sentence(_field(citation, "source")), _sentence(_field(citation, "edition"))]
    for conference in ("conf-name", "conf-date", "conf-loc"):
        parts.append(_sentence(_field(citation, conference)))
    place, publisher = _field(citation, "publisher-loc"), _field(citation, "publisher-name")
    imprint = ": ".join(part for part in (place, publisher) if part)
    imprint = "; ".join(part for part in (imprint, _field(citation, "year")) if part)
    parts.append(_sentence(imprint))
    first_page, pages = _pages(citation)
    if pages and first_page:
        parts.append(_sentence(f"p. {pages}"))
    return parts
