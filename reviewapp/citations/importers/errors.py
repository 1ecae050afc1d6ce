"""The one error every reader raises, so the entry and the readers share it without a cycle."""

# The parsers recurse once per level of nesting; Python stops them near 1,000 levels.
TOO_DEEP = ("nested too deeply to read (brackets or braces inside each other about a "
            "thousand levels deep or more); no reference file needs that")


class ReferenceImportError(Exception):
    """A reference file could not be read; the message says what to fix."""
