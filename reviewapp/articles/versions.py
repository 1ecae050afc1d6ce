"""A revision's audience versions as the edit form holds them: one Title, Key points
and Body per audience (AUDIENCES), flat among the form's texts so kept drafts, the
stale-form merge and its diff treat them like the main text; and the rule for a
version (an empty section is no version; one begun needs a title and a body).
Pure module."""

from dataclasses import dataclass

from reviewapp.articles.audiences import Audience

PARTS = ("title", "key_points", "body")
PART_LABELS = {"title": "Title", "key_points": "Key points", "body": "Body"}


@dataclass(frozen=True)
class VersionText:
    audience: str  # an AUDIENCES key
    title: str
    key_points: str
    body: str

    @property
    def texts(self) -> dict[str, str]:
        """As AudienceVersion.texts: what content.py hashes."""
        return {"audience": self.audience, "title": self.title,
                "key_points": self.key_points, "body": self.body}


def field_name(audience_key: str, part: str) -> str:
    """The form field of one part of one audience's version. Keys are lower-case
    letters, digits and hyphens, so the names never collide with each other or
    with the main text's fields."""
    return f"aud_{audience_key.replace('-', '_')}_{part}"


def field_label(audience: Audience, part: str) -> str:
    """Distinct from the main text's "Title" and "Body", so each <label for> is found."""
    return f"{PART_LABELS[part]} for {audience.label}"


def field_names(audiences: tuple[Audience, ...]) -> list[str]:
    return [field_name(a.key, part) for a in audiences for part in PARTS]


def field_labels(audiences: tuple[Audience, ...]) -> dict[str, str]:
    return {field_name(a.key, part): field_label(a, part) for a in audiences for part in PARTS}


def _unified(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def versions_from_texts(audiences: tuple[Audience, ...],
                        texts: dict[str, str]) -> dict[str, VersionText]:
    """The versions a form's texts hold, by audience key; an empty section is none."""
    found = {}
    for audience in audiences:
        parts = {part: _unified(texts.get(field_name(audience.key, part))) for part in PARTS}
        if any(value.strip() for value in parts.values()):
            found[audience.key] = VersionText(audience.key, parts["title"].strip(),
                                              parts["key_points"], parts["body"])
    return found


def texts_of_versions(audiences: tuple[Audience, ...], versions) -> dict[str, str]:
    """The form's texts for saved versions (objects with audience, title,
    key_points, body); empty for an audience without one."""
    by_key = {v.audience: v for v in versions}
    texts = {}
    for audience in audiences:
        version = by_key.get(audience.key)
        for part in PARTS:
            texts[field_name(audience.key, part)] = getattr(version, part) if version else ""
    return texts


def version_problems(audience: Audience, version: VersionText, max_title: int,
                     max_body: int) -> list[tuple[str, str]]:
    """What is wrong with one audience's version, as (part, message) pairs."""
    problems = []
    where = f"the version for {audience.label}"
    if not version.title:
        problems.append(("title", f"Enter a title for {where}, or empty its key points "
                                  "and body to have no version for this audience."))
    elif len(version.title) > max_title:
        problems.append(("title", f"The title of {where} can be at most {max_title:,} "
                                  f"characters (this one has {len(version.title):,})."))
    if not version.body.strip():
        problems.append(("body", f"Write the body of {where}, or empty its title and key "
                                 "points to have no version for this audience."))
    for part in ("key_points", "body"):
        text = getattr(version, part)
        if len(text) > max_body:
            problems.append((part, f"The {PART_LABELS[part].lower()} of {where} can be at "
                                   f"most {max_body:,} characters (this one has "
                                   f"{len(text):,})."))
    return problems
