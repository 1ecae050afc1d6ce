"""Checks on web links in the body: a link to a site that is neither among the references
nor on the allow-list (a promotional link)."""

from collections.abc import Callable
from urllib.parse import urlsplit

from reviewapp.citations.engine.document import Document, Span
from reviewapp.citations.engine.findings import Finding, make_finding
from reviewapp.citations.identifiers import (
    ParsedReference,
    find_web_urls,
    identifiers_in_url,
    url_host,
)

_RESOLVER_HOSTS = frozenset({
    "doi.org", "dx.doi.org", "pubmed.ncbi.nlm.nih.gov", "ncbi.nlm.nih.gov",
    "pmc.ncbi.nlm.nih.gov",
})


def link_findings(document: Document, parsed: list[ParsedReference],
                  link_allowlist: tuple[str, ...]) -> list[Finding]:
    listed = _listed_links(parsed, _allowed_hosts(link_allowlist))
    unlisted: dict[Span | None, list[tuple[int, str]]] = {}
    for offset, url in find_web_urls(document.masked):
        host = url_host(url)
        if host is None or listed(url, _bare_host(host)):
            continue
        unlisted.setdefault(document.sentence_at(offset), []).append((offset, host))
    return [make_finding("link-unlisted", _unlisted_message(links), offset=links[0][0],
                         sentence=document.sentence_text(span))
            for span, links in unlisted.items()]


def _unlisted_message(links: list[tuple[int, str]]) -> str:
    hosts = list(dict.fromkeys(host for _, host in links))
    if len(hosts) == 1:
        return (f"The link to {hosts[0]} is neither one of the references nor on the "
                "list of allowed sites.")
    return (f"The links to {', '.join(hosts[:-1])} and {hosts[-1]} are neither "
            "among the references nor on the list of allowed sites.")


def _allowed_hosts(link_allowlist: tuple[str, ...]) -> set[str]:
    allowed = set()
    for entry in link_allowlist or ():
        entry = str(entry)
        host = url_host(entry) if "://" in entry else entry.split("/")[0]
        if host and _bare_host(host):
            allowed.add(_bare_host(host))
    return allowed


def _listed_links(parsed: list[ParsedReference],
                  allowed: set[str]) -> Callable[[str, str], bool]:
    """A predicate on (url, bare host): the link is to a reference or an allowed site."""
    reference_urls = {_url_identity(url) for ref in parsed for url in ref.urls} - {None}
    reference_hosts = {identity[0] for identity in reference_urls} - _RESOLVER_HOSTS
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

    return listed


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
