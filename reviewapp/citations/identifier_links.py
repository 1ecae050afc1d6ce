"""Where a reference's identifiers lead: DOI, PubMed and PubMed Central links, and the web
link typed in it when no identifier stands for it. One rule for the public page, the desk
and the review pages. Pure module."""

from typing import NamedTuple
from urllib.parse import quote

from reviewapp.citations.identifiers import parse_reference


class ReferenceLink(NamedTuple):
    label: str
    url: str
    rel: str


def doi_url(doi: str | None) -> str | None:
    return f"https://doi.org/{quote(doi, safe='/:;()[]')}" if doi else None


def pubmed_url(pmid: str | None) -> str | None:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None


def pmc_url(pmcid: str | None) -> str | None:
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/" if pmcid else None


def web_url(url: str | None, *identifiers: str | None) -> str | None:
    """The typed link, when it is a web address and no DOI or PubMed link stands for it."""
    if not url or any(identifiers):
        return None
    return url if url.lower().startswith(("https://", "http://")) else None


def reference_links(doi: str | None, pmid: str | None, pmcid: str | None,
                    url: str | None = None) -> list[ReferenceLink]:
    links = [ReferenceLink("DOI", doi_url(doi), "noopener noreferrer"),
             ReferenceLink("PubMed", pubmed_url(pmid), "noopener noreferrer"),
             ReferenceLink("PubMed Central", pmc_url(pmcid), "noopener noreferrer"),
             ReferenceLink("Link", web_url(url, doi, pmid, pmcid),
                           "noopener noreferrer nofollow")]
    return [link for link in links if link.url]


def links_of_text(text: str) -> list[ReferenceLink]:
    """The links of a reference as written (a draft's, or a revision's stored text): read
    the way the draft's save reads it."""
    parsed = parse_reference(1, text)
    return reference_links(parsed.doi, parsed.pmid, parsed.pmcid,
                           parsed.urls[0] if parsed.urls else None)
