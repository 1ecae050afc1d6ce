"""Reading untrusted XML: no entities, no network, no DTD, and a nesting limit the renderer's
recursion can live with."""

from __future__ import annotations

from lxml import etree

from reviewapp.citations.jats.text import local_name

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# libxml2 refuses nesting deeper than 256 without huge_tree; the renderer recurses, so stop
# well before Python's recursion limit.
_MAX_DEPTH = 160
_TOO_DEEP = f"The XML is nested more than {_MAX_DEPTH} levels deep."
_DECLARES_ENTITIES = (
    "The XML declares its own entities (<!ENTITY …>); such files are refused because "
    "entities can expand without bound or read other files.")


class JatsImportError(Exception):
    """The file is not a JATS article this importer can read safely; the message says why."""


def read_article(data: bytes | str, max_bytes: int) -> etree._Element:
    """The <article> root of a JATS file, or JatsImportError saying why it was refused."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise JatsImportError(
            f"The XML file is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")
    if b"<!ENTITY" in data:
        raise JatsImportError(_DECLARES_ENTITIES)
    root = _parse_xml(data)
    if local_name(root) != "article":
        raise JatsImportError(
            f"This is not a JATS article: the root element is <{local_name(root)}>, "
            "expected <article>.")
    return root


def _parse_xml(data: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
        dtd_validation=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        message = str(error)
        if "amplification" in message or ("ntity" in message and "loop" in message):
            raise JatsImportError(
                "The XML expands entities without bound and was refused.") from None
        if "Excessive depth" in message:  # libxml2's own limit, past ours (huge_tree off)
            raise JatsImportError(_TOO_DEEP) from None
        raise JatsImportError(f"The file is not well-formed XML: {message}") from None
    # A byte scan misses declarations in other encodings (UTF-16); the parsed DTD does not.
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise JatsImportError(_DECLARES_ENTITIES)
    _refuse_deep_nesting(root)
    return root


def _refuse_deep_nesting(root: etree._Element) -> None:
    depth = 0
    for event, _element in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > _MAX_DEPTH:
            raise JatsImportError(_TOO_DEEP)
