"""Reading a document for `citations check`: JATS XML or Markdown."""

from pathlib import Path

from reviewapp.errors import InvalidInput

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def read_document(path: str) -> tuple[str, list[str], list[str]]:
    """(body, references, notes) of a JATS XML or Markdown file; the notes name what the
    author should check in a Markdown reference list (a DOI a line break may have cut)."""
    from reviewapp.citations.importers import parse_markdown_document
    from reviewapp.citations.jats import JatsImportError, parse_jats

    file = Path(path)
    if file.stat().st_size > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"{file.name} is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB.")
    data = file.read_bytes()
    if file.suffix.lower() in (".xml", ".nxml") or data.lstrip()[:5] in (b"<?xml", b"<!DOC"):
        try:
            article = parse_jats(data)
        except JatsImportError as error:
            raise InvalidInput(f"{file.name}: {error}") from None
        return article.body, article.references, []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{file.name} is not UTF-8 text or JATS XML.") from None
    return parse_markdown_document(text)
