"""Citation markers in a Markdown body: the numbers they cite, and why a marker is malformed;
what Markdown reads as a link is not a marker, and what it does not, is."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from reviewapp.citations.engine import Settings, check
from reviewapp.citations.markers import MAX_RANGE, find_markers, mask_code


@pytest.mark.parametrize(("body", "text", "numbers"), [
    ("Pain [1].", "[1]", (1,)),
    ("Pain [1,3].", "[1,3]", (1, 3)),
    ("Pain [1-3].", "[1-3]", (1, 2, 3)),
    ("Pain [1–3].", "[1–3]", (1, 2, 3)),
    ("Pain [1—3].", "[1—3]", (1, 2, 3)),
    ("Pain [1, 3–5].", "[1, 3–5]", (1, 3, 4, 5)),
    ("Pain [ 2 ].", "[ 2 ]", (2,)),
    ("Pain [19]–[21].", "[19]–[21]", (19, 20, 21)),
    ("Pain [19]-[21].", "[19]-[21]", (19, 20, 21)),
    ("Pain [3-3].", "[3-3]", (3,)),
    ("Pain [2,2].", "[2,2]", (2,)),
    ("Pain [12].", "[12]", (12,)),
])
def test_well_formed_marker(body, text, numbers):
    [marker] = find_markers(body)
    assert (marker.text, marker.numbers, marker.problem) == (text, numbers, None)
    assert body[marker.start:marker.start + len(marker.text)] == text


@pytest.mark.parametrize(("body", "text", "words"), [
    ("Pain [0].", "[0]", "start at 1"),
    ("Pain [0-2].", "[0-2]", "start at 1"),
    ("Pain [5-3].", "[5-3]", "5–3 runs backwards"),
    ("Pain [5–3].", "[5–3]", "5–3 runs backwards"),
    ("Pain [21]–[19].", "[21]–[19]", "21–19 runs backwards"),
    ("Pain [1,,2].", "[1,,2]", "empty place between commas"),
    ("Pain [1,].", "[1,]", "empty place between commas"),
    ("Pain [,1].", "[,1]", "empty place between commas"),
    ("Pain [1 2].", "[1 2]", "“1 2” is neither a number nor a range"),
    ("Pain [1-].", "[1-]", "“1-” is neither a number nor a range"),
    ("Pain [1--3].", "[1--3]", "neither a number nor a range"),
    ("Pain [1-5000].", "[1-5000]", f"more than {MAX_RANGE} references"),
    ("Pain [1-999999999999].", "[1-999999999999]", "far too large"),
    ("Pain [10000000].", "[10000000]", "far too large"),
])
def test_malformed_or_reversed_marker_says_why(body, text, words):
    [marker] = find_markers(body)
    assert marker.text == text
    assert marker.problem is not None and words in marker.problem


def test_well_formed_parts_of_a_malformed_marker_still_count():
    [marker] = find_markers("Pain [1,,2].")
    assert marker.numbers == (1, 2)


def test_huge_range_is_refused_not_expanded():
    [marker] = find_markers("[1-99999]")
    assert marker.numbers == () and marker.problem


@pytest.mark.parametrize("body", [
    "[click](https://example.org)",
    "[1](https://example.org)",
    "![2](figure.png)",
    "Footnote[^1] here.\n\n[^1]: note",
    "- [x] done\n- [ ] to do",
    "See [the guideline][1].\n\n[1]: https://www.nice.org.uk",
    "See [1][nice].\n\n[nice]: https://www.nice.org.uk",
    "See [NICE].\n\n[NICE]: https://www.nice.org.uk",
    "See [1] again.\n\n[1]: https://www.nice.org.uk",
    "A list [a, b] and [i-iii] and [] and [ ].",
    "Inline `[1]` code.",
    "```\nfenced [1]\n```",
    "~~~python\nx = a[1]\n~~~",
    "Text.\n\n    indented code [1]\n",
    "<!-- draft [1] -->",
    "[346][355]\n\n[355]: https://example.org",  # [355] is defined: a reference link
    "See [also [2] here](https://example.org).",  # inside the text of a link
    "![Figure [3]](figure.png)",
    "> quoted [4](https://example.org)\n> and [5][six]\n\n[six]: /six",
    "- item [7](https://example.org/a)\n  continued [8](/b)",
    "## Heading [9](https://example.org) ##",
    "| a | b |\n|---|---|\n| [10](https://x.org) | x \\| [11](https://y.org) |",
    "Line one\r\nline [12](https://example.org)\r\n",
    "> \tTabbed [13](https://example.org) quote",
])
def test_markdown_that_only_looks_like_a_marker_is_not_one(body):
    assert find_markers(body) == []


@pytest.mark.parametrize(("body", "texts", "numbers"), [
    # Markdown reads none of these as a link (the page shows them as written), so they cite.
    ("Pain [19](p. 107).", ["[19]"], [(19,)]),
    ("Pain [18](chapter 2).", ["[18]"], [(18,)]),
    ("Pain [346][355].", ["[346]", "[355]"], [(346,), (355,)]),  # [355] is not defined
    ("Pain [1] [x].\n\n[y]: https://example.org", ["[1]"], [(1,)]),
    # A definition cannot interrupt a paragraph: "[4]: …" is text, as the page shows it.
    ("Pain [3]\n[4]: https://example.org", ["[3]", "[4]"], [(3,), (4,)]),
    ("See [a link](https://example.org) [5] and ![fig](f.png) [6].", ["[5]", "[6]"],
     [(5,), (6,)]),
    ("| a | b |\n|---|---|\n| [1](https://x.org) | [2] |\n| [3] | [4](/y) |", ["[2]", "[3]"],
     [(2,), (3,)]),
    ("> [1](https://x.org) [2]\n>\n> - [3] [4](https://y.org)\r\n> - [5]", ["[2]", "[3]", "[5]"],
     [(2,), (3,), (5,)]),
    ("## [1](https://x.org) then [2] ##\n\n[3]\n===", ["[2]", "[3]"], [(2,), (3,)]),
    ("Pain `[1](x)` [2](x y).", ["[2]"], [(2,)]),
    ("[19]–[21](https://x.org)", ["[19]"], [(19,)]),
])
def test_brackets_markdown_does_not_make_a_link_are_markers(body, texts, numbers):
    markers = find_markers(body)
    assert [(marker.text, marker.numbers, marker.problem) for marker in markers] == [
        (text, number, None) for text, number in zip(texts, numbers, strict=True)]
    for marker in markers:
        assert body[marker.start:marker.start + len(marker.text)] == marker.text


@pytest.mark.parametrize(("body", "destination"), [
    ('Pain [10–18](see "Related literature").', "see"),
    ("Pain [19](p.107).", "p.107"),
    ("Pain [2](www.nice.org.uk).", "www.nice.org.uk"),
])
def test_citation_markdown_turns_into_a_dead_link_is_counted_and_reported(body, destination):
    """The author meant a citation; the page would show a link that leads nowhere."""
    [marker] = find_markers(body)
    assert marker.text in ("[10–18]", "[19]", "[2]")
    assert marker.numbers and marker.problem is not None
    assert f"link to “{destination}”" in marker.problem
    assert "put a space between “]” and “(”" in marker.problem


def test_a_link_to_a_page_with_a_number_for_text_is_not_a_marker():
    assert find_markers("[1](https://example.org) [2](#ref-2) [3](/guide) [4](mailto:a@b.org)") \
        == []


# -- citations with locators or words ----------------------------------------------------------

@pytest.mark.parametrize(("text", "numbers", "linked"), [
    ("[32: 273]", (32,), ["32"]),
    ("[51: fig. 10.5]", (51,), ["51"]),
    ("[22, p. 4]", (22,), ["22"]),
    ("[22, pp. 4–6]", (22,), ["22"]),
    ("[22 p 4]", (22,), ["22"]),
    ("[22 (p. 4)]", (22,), ["22"]),
    ("[8, table 3]", (8,), ["8"]),
    ("[8, chapter 2]", (8,), ["8"]),
    ("[e.g., 77]", (77,), ["77"]),
    ("[e.g. 3, 4]", (3, 4), ["3", "4"]),
    ("[see 5]", (5,), ["5"]),
    ("[See also 5–7]", (5, 6, 7), ["5", "7"]),
    ("[cf. 9]", (9,), ["9"]),
    ("[for a review, see 12]", (12,), ["12"]),
    ("[reviewed in 4]", (4,), ["4"]),
    ("[see refs. 3, 4]", (3, 4), ["3", "4"]),
    ("[ref. 6]", (6,), ["6"]),
    ("[5 and 7]", (5, 7), ["5", "7"]),
    ("[5, 6, and 8]", (5, 6, 8), ["5", "6", "8"]),
    ("[5; 7]", (5, 7), ["5", "7"]),
    ("[32: 273; 33: 12]", (32, 33), ["32", "33"]),
    ("[22, p. 4; 23, fig. 2]", (22, 23), ["22", "23"]),
])
def test_citation_with_locator_or_words_cites_its_numbers(text, numbers, linked):
    body = f"Pain is common {text}. Next."
    [marker] = find_markers(body)
    assert (marker.text, marker.numbers, marker.problem) == (text, numbers, None)
    assert marker.start == body.index(text)
    # The reference numbers as written, not the page or figure numbers of the locator.
    assert [marker.text[start:end] for start, end in marker.number_spans] == linked


@pytest.mark.parametrize("text", [
    "[see Table 2]", "[see Figure 3 and Table 4]", "[Table 2]", "[n = 40]", "[n=40]",
    "[95% CI 1.2–3.4]", "[1.5]", "[1:1]", "[4 weeks]", "[2, 3 weeks]", "[10 mg]",
    "[10 mg/kg]", "[p < 0.05]", "[aged 5 and 7]", "[3 of 5]", "[S1]", "[sic]", "[see above]",
    "[5 and references therein]",
])
def test_ordinary_bracketed_text_with_numbers_is_not_a_marker(text):
    assert find_markers(f"The result {text} was clear.") == []


def test_a_year_in_brackets_is_read_as_a_marker_and_reported_when_no_reference_has_it():
    """[2019] cannot be told from a citation of reference 2019; in a numbered article it is
    far more often a typing slip, so the editor is told rather than left guessing."""
    [marker] = find_markers("Guidance changed [2019].")
    assert marker.numbers == (2019,)
    report = check("Guidance changed [2019] [1].", ["Doe J. Pain. 2024."], {}, date(2026, 5, 1),
                   Settings())
    assert [(f.code, f.marker) for f in report.findings if f.code.startswith("marker")] == [
        ("marker-unresolved", "[2019]")]


@pytest.mark.parametrize(("text", "words"), [
    ("[see 0]", "start at 1"),
    ("[see 5-3]", "5–3 runs backwards"),
    ("[e.g., 1,,2]", "empty place between commas"),
    ("[see 5 7]", "neither a number nor a range"),
    ("[5: p. 3; 0]", "start at 1"),
    ("[see 1-99999]", f"more than {MAX_RANGE} references"),
])
def test_malformed_citation_with_words_says_why(text, words):
    [marker] = find_markers(f"Pain {text}.")
    assert marker.text == text
    assert marker.problem is not None and words in marker.problem


def test_engine_counts_locator_and_link_lookalike_citations_as_citing():
    refs = [f"Author {n}. Title {n}. J Med. 2024;1:{n}. PMID: {31000000 + n}" for n in range(1, 8)]
    body = ("Pain is common [1](p. 107). It recurs [2: 273] and [e.g., 3]. "
            "Rest helps [see 4] and [5][6]. Heat helps [7, p. 4].")
    report = check(body, refs, {}, date(2026, 5, 1), Settings())
    assert [f for f in report.findings
            if f.code in ("reference-uncited", "marker-malformed", "marker-unresolved")] == []


def test_engine_reports_a_citation_markdown_turns_into_a_link():
    refs = [f"Author {n}. Title {n}. J Med. 2024;1:{n}. PMID: {31000000 + n}"
            for n in range(1, 19)]
    body = "Pain [1–9]. More [10–18](see \"Related literature\")."
    report = check(body, refs, {}, date(2026, 5, 1), Settings())
    assert "reference-uncited" not in [f.code for f in report.findings]
    [finding] = [f for f in report.findings if f.code == "marker-malformed"]
    assert finding.marker == "[10–18]"
    assert finding.message.startswith("Marker [10–18] is malformed: Markdown shows it as a link "
                                      "to “see”")


# -- the parser's links, mapped back to the text -----------------------------------------------

_RENDER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

PIECES = st.sampled_from([
    "cite", "link", "image", "misread", "word", "\n", "\n\n", "\r\n", "\n> ", "\n- ",
    "\n\n## ", "*", "`code [9](x)`", "\\[", "table",
])


@given(st.lists(st.tuples(PIECES, st.integers(1, 99)), max_size=40))
def test_markers_are_exactly_the_citations_between_links_in_any_block(pieces):
    """Random Markdown built from pieces whose meaning is known: every citation is found at
    its place, and no link, image or code is taken for one."""
    body, expected = "", []
    for kind, number in pieces:
        if kind in ("cite", "misread"):
            expected.append((len(body), f"[{number}]"))
        body += {
            "cite": f"[{number}]", "link": f"[{number}](https://example.org/{number})",
            "image": f"![{number}](f{number}.png)", "misread": f"[{number}](p. {number})",
            "word": "pain", "table": f"\n\n| a | b |\n|---|---|\n| [{number}](/x) | b |\n\n",
        }.get(kind, kind) + " "
    found = [(marker.start, marker.text) for marker in find_markers(body)]
    assert found == expected
    rendered = _RENDER.render(body)
    assert rendered.count("<a href") + rendered.count("<img") == sum(
        1 for kind, _ in pieces if kind in ("link", "image", "table"))


def test_adjacent_markers_are_two_markers():
    assert [marker.text for marker in find_markers("Pain [1][2].")] == ["[1]", "[2]"]


def test_markers_are_in_reading_order():
    body = "First [2]. Then [1, 3–4]. Last [5]–[6]."
    assert [marker.numbers for marker in find_markers(body)] == [(2,), (1, 3, 4), (5, 6)]


def test_marker_after_code_span_is_found():
    [marker] = find_markers("Use `x[0]` then cite [4].")
    assert (marker.text, marker.numbers) == ("[4]", (4,))


@pytest.mark.parametrize("body", [
    "a `b` c\n\n```\nd\n```\ne",
    "x ``code ` span`` y\r\nz",
    "<!-- unclosed comment [1]",
    "` unmatched backtick",
    "\r\n\r\n    code\r\nline\r",
])
def test_masking_code_keeps_length_and_line_breaks(body):
    masked = mask_code(body)
    assert len(masked) == len(body)
    assert [index for index, char in enumerate(masked) if char in "\r\n"] == \
        [index for index, char in enumerate(body) if char in "\r\n"]


MARKDOWNISH = st.text(alphabet="[]()0123456789,-–— `~!^:\nabc\t#>|*\"/\\;.\r", max_size=400)


@given(st.one_of(st.text(max_size=400), MARKDOWNISH))
def test_any_text_gives_markers_within_the_text(body):
    for marker in find_markers(body):
        assert body[marker.start:marker.start + len(marker.text)] == marker.text
        assert all(1 <= number for number in marker.numbers)
        assert len(marker.numbers) <= MAX_RANGE * 200
        assert marker.problem is None or isinstance(marker.problem, str)


def test_hostile_input_is_scanned_quickly():
    for body in ["[" * 200_000, "[1-" * 50_000, "`" * 5_000 + "a" + "``" * 5_000,
                 "[" + "1" * 100_000 + "]", "<!--" * 50_000, "[1](" * 5_000, "[a][" * 5_000,
                 "](" * 20_000, "[1]: x\n" * 3_000 + "[1]" * 3_000, "[see 1: " * 5_000,
                 "[1, p. " * 5_000, "[" * 5_000 + "1" + "](x)" * 5_000]:
        find_markers(body)
