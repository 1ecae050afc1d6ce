"""What people type as emails, names and tags, normalised so look-alikes collide."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewapp.normalize import (
    lookalike_email_problem,
    lookalike_name_problem,
    normalize_email,
    normalize_name,
    normalize_tags,
    strip_invisible,
)


@pytest.mark.parametrize(("typed", "stored"), [
    ("alice@example.org", "alice@example.org"),
    ("Alice@Example.ORG", "alice@example.org"),
    ("  alice@example.org \n", "alice@example.org"),
    ("ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｏｒｇ", "alice@example.org"),       # fullwidth forms
    ("ali\u200bce@example.org", "alice@example.org"),                # zero-width space
    ("ali\u200dce@exam\u2060ple.org", "alice@example.org"),          # joiner, word joiner
    ("\u202ealice@example.org", "alice@example.org"),                # right-to-left override
    ("\ufeffalice@example.org", "alice@example.org"),                # byte order mark
    ("alice\x00@example.org", "alice@example.org"),                  # NUL
    ("STRASSE@example.org", "strasse@example.org"),
    ("straße@example.org", "strasse@example.org"),                   # casefold, not lower
    ("ﬁnn@example.org", "finn@example.org"),                         # ligature
])
def test_normalize_email(typed, stored):
    assert normalize_email(typed) == stored


@pytest.mark.parametrize(("first", "second"), [
    ("Alice@Example.org", "alice@example.org"),
    ("ａｌｉｃｅ@example.org", "alice@example.org"),
    ("al\u200bice@example.org", "alice@example.org"),
    ("e\u0301mile@example.org", "\u00e9mile@example.org"),            # decomposed vs composed
])
def test_look_alike_emails_collide(first, second):
    assert normalize_email(first) == normalize_email(second)


def test_different_emails_stay_different():
    assert normalize_email("alice@example.org") != normalize_email("alicia@example.org")


@pytest.mark.parametrize(("typed", "stored"), [
    ("Jane Doe", "Jane Doe"),
    ("  Jane   Doe  ", "Jane Doe"),
    ("Jane Doe\n", "Jane Doe"),
    ("Jane\u200b Doe", "Jane Doe"),
    ("\u202eJane Doe", "Jane Doe"),
    ("Ｊａｎｅ Ｄｏｅ", "Jane Doe"),
    ("Jane\u00a0Doe", "Jane Doe"),                                    # no-break space
    ("Dr. Åsa Ängström", "Dr. Åsa Ängström"),                          # case kept
    ("\u200b \u200b", ""),
])
def test_normalize_name(typed, stored):
    assert normalize_name(typed) == stored


@pytest.mark.parametrize(("typed", "tags"), [
    ("Cardiology, pain  medicine", ["cardiology", "pain medicine"]),
    ("a, A, b, a", ["a", "b"]),
    ("b, a", ["b", "a"]),
    ("  , ,, ", []),
    ("", []),
    ("ＣＡＲＤＩＯＬＯＧＹ", ["cardiology"]),
    ("pain\u200bmedicine", ["painmedicine"]),
])
def test_normalize_tags(typed, tags):
    assert normalize_tags(typed) == tags


def test_name_words_separated_by_a_tab_stay_separate():
    """BUG (reviewapp/normalize.py:6-10): tab, newline and the other
    whitespace control characters are category Cc, so strip_invisible deletes
    them before normalize_name/normalize_tags split on whitespace: a name
    pasted from a spreadsheet as 'Jane<TAB>Doe' is stored as 'JaneDoe'."""
    assert normalize_name("Jane\tDoe") == "Jane Doe", (
        "strip_invisible removed the tab between the words instead of leaving it "
        "as whitespace: keep characters with str.isspace() in strip_invisible")


def test_strip_invisible_removes_format_and_control_characters_only():
    assert strip_invisible("a\u200b\u200c\u200d\u2060\ufeff\u202e\x00\x07b c") == "ab c"


# --- properties -------------------------------------------------------------

@given(st.text())
def test_property_normalize_email_is_idempotent(text):
    assert normalize_email(normalize_email(text)) == normalize_email(text)


@given(st.text())
def test_property_normalized_email_has_no_invisible_or_surrounding_space(text):
    email = normalize_email(text)
    assert email == email.strip()
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in email)


@given(st.text())
def test_property_normalize_name_is_idempotent_and_single_spaced(text):
    name = normalize_name(text)
    assert normalize_name(name) == name
    assert "  " not in name and name == name.strip()


def _has_compatibility_comma(ch: str) -> bool:
    return ch != "," and "," in unicodedata.normalize("NFKC", ch)


# Characters that NFKC turns into "," are the separate bug shown by
# test_tag_typed_with_fullwidth_comma_survives_the_edit_form.
tag_input = st.text().filter(lambda text: not any(map(_has_compatibility_comma, text)))


@given(tag_input)
def test_property_tags_survive_the_edit_form_round_trip(text):
    """The edit form shows tags joined by ', '; saving it unchanged keeps them."""
    tags = normalize_tags(text)
    assert normalize_tags(", ".join(tags)) == tags
    assert len(set(tags)) == len(tags) and "" not in tags


def test_tag_typed_with_fullwidth_comma_survives_the_edit_form():
    """BUG (reviewapp/normalize.py:27): the raw text is split on ','
    before NFKC, so a fullwidth comma (U+FF0C) becomes a ',' inside one tag;
    the edit form (articles/views.py:83) shows 'cardiology,pain', and saving
    the form unchanged splits it into two tags."""
    tags = normalize_tags("cardiology\uff0cpain")
    after_edit = normalize_tags(", ".join(tags))
    assert after_edit == tags, (
        f"tags {tags} became {after_edit} after an unchanged save of the edit form: "
        "normalize_tags should NFKC-normalise before splitting on ','")


# -- Look-alikes from other alphabets (Unicode TR39) -----------------------------------

@pytest.mark.parametrize("email, words", [
    ("\u0440\u0430ul@example.org", "mixes letters"),          # Cyrillic р, а in "paul"
    ("paul@ex\u0430mple.org", "mixes letters"),               # Cyrillic а in the domain
    ("\u03c1ay@example.org", "mixes letters"),                # Greek rho
    ("\u0440\u0430\u0443@example.org", "look like Latin"),    # all-Cyrillic "рау" = "pay"
])
def test_lookalike_email_is_named(email, words):
    assert words in lookalike_email_problem(normalize_email(email))


@pytest.mark.parametrize("email", [
    "paul@example.org", "jos\u00e9@ex\u00e4mple.org", "o'neil+tag@example.org",
    "\u0438\u0432\u0430\u043d@example.org",                   # иван: Cyrillic, no look-alike
    "\u03c0\u03b1\u03cd\u03bb\u03bf\u03c2@example.gr", "\u674e@example.cn",
])
def test_real_addresses_in_one_alphabet_pass(email):
    assert lookalike_email_problem(normalize_email(email)) is None


@pytest.mark.parametrize("name, problem", [
    ("\u0410lice Smith", True),                  # Cyrillic А
    ("Alice Sm\u0456th", True),                  # Cyrillic і
    ("\u0391lice", True),                        # Greek Alpha
    ("Alice Smith", False),
    ("\u0418\u0432\u0430\u043d Ivanov", False),    # one alphabet per word
    ("Jos\u00e9-Mar\u00eda N\u00fa\u00f1ez", False),
    ("\u5c71\u7530\u3055\u304f\u3089", False),     # Japanese mixes Han and Hiragana
    ("\uae40\ucca0\uc218", False),
])
def test_lookalike_name(name, problem):
    assert (lookalike_name_problem(normalize_name(name)) is not None) is problem
