"""JATS import: PLOS Medicine articles from the shared corpus keep every citation, and hostile XML
is refused. The cited numbers are recomputed here straight from the XML, independently of the
importer, and compared with the markers in the imported Markdown."""

import json
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from markdown_it import MarkdownIt

from reviewapp.citations.engine import Settings, check
from reviewapp.citations.jats import ImportedArticle, JatsImportError, parse_jats
from reviewapp.citations.markers import find_markers

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"
PLOS = CORPUS / "plos"
KNOWN_PLOS_FILES = [
    "journal.pmed.0020007.xml", "journal.pmed.0020402.xml", "journal.pmed.0030132.xml",
    "journal.pmed.0030205.xml", "journal.pmed.0040303.xml", "journal.pmed.1001418.xml",
]
PLOS_FILES = sorted(p.name for p in PLOS.glob("*.xml")) if PLOS.is_dir() else KNOWN_PLOS_FILES
WITHOUT_REFERENCE_LIST = ["journal.pmed.0020402.xml", "journal.pmed.0040303.xml"]

MARKER = re.compile(r"\[(\d+(?:\s*[–-]\s*\d+)?(?:\s*,\s*\d+(?:\s*[–-]\s*\d+)?)*)\]")
DASH_BETWEEN = re.compile(r"\s*\]?\s*[–—-]\s*\[?\s*")
RANGE_IN_TEXT = re.compile(r"(\d+)\s*[–—-]\s*(\d+)")


def corpus_bytes(name: str) -> bytes:
    if not PLOS.is_dir():
        pytest.skip(f"shared corpus not present at {PLOS}")
    return (PLOS / name).read_bytes()


def marker_numbers(body: str) -> list[int]:
    """Every reference number the Markdown markers stand for, ranges expanded."""
    numbers = []
    for marker in MARKER.finditer(body):
        for item in marker.group(1).split(","):
            ends = [int(n) for n in re.split(r"\s*[–-]\s*", item.strip())]
            numbers.extend(range(ends[0], ends[-1] + 1))
    return numbers


def xml_root(data: bytes):
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    return etree.fromstring(data, parser)


def cited_in_xml(root) -> tuple[set[int], list[str]]:
    """(reference numbers the XML cites, rids that point at no reference), computed from the
    XML alone: rid → position in back/ref-list; "8–10" printed inside one xref, or a dash
    between two sibling xrefs, cites every number in between."""
    refs = root.findall("back/ref-list/ref")
    position = {ref.get("id"): number for number, ref in enumerate(refs, start=1)}
    cited: set[int] = set()
    unresolved: list[str] = []
    for xref in root.iter("xref"):
        if xref.get("ref-type") != "bibr":
            continue
        rids = xref.get("rid", "").split()
        unresolved.extend(rid for rid in rids if rid not in position)
        numbers = [position[rid] for rid in rids if rid in position]
        cited.update(numbers)
        printed = RANGE_IN_TEXT.search("".join(xref.itertext()))
        if printed and len(numbers) == 1:
            span = int(printed.group(2)) - int(printed.group(1))
            cited.update(range(numbers[0], numbers[0] + span + 1))
        following = xref.getnext()
        if (numbers and following is not None and following.tag == "xref"
                and following.get("ref-type") == "bibr"
                and DASH_BETWEEN.fullmatch(xref.tail or "")):
            last = position.get(following.get("rid", "").split()[0])
            if last:
                cited.update(range(numbers[-1], last + 1))
    return cited, unresolved


def citation_problems(article: ImportedArticle, root) -> list[str]:
    """What the corpus test asserts, as a list so a broken document can show it fails."""
    problems = []
    numbers = marker_numbers(article.body)
    outside = sorted({n for n in numbers if not 1 <= n <= len(article.references)})
    if outside:
        problems.append(f"markers point at no reference: {outside}")
    expected, unresolved = cited_in_xml(root)
    if unresolved:
        problems.append(f"xref rids with no reference: {sorted(set(unresolved))}")
    if set(numbers) != expected:
        problems.append(
            f"cited set differs: only in body {sorted(set(numbers) - expected)}, "
            f"only in XML {sorted(expected - set(numbers))}")
    return problems


def dois_in_references(root) -> list[tuple[int, str]]:
    found = []
    for number, ref in enumerate(root.findall("back/ref-list/ref"), start=1):
        for pub_id in ref.iter("pub-id"):
            if pub_id.get("pub-id-type") == "doi":
                found.append((number, pub_id.text.strip()))
        for link in ref.iter("ext-link"):
            href = link.get("{http://www.w3.org/1999/xlink}href", "")
            match = re.search(r"doi\.org/(10\.\S+)", href)
            if match:
                found.append((number, match.group(1)))
    return found


# --- The PLOS corpus --------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLOS_FILES)
def test_plos_article_imports_with_every_citation_resolved(name):
    data = corpus_bytes(name)
    article = parse_jats(data)
    root = xml_root(data)

    assert article.title.strip()
    assert article.title == " ".join(
        "".join(root.find("front/article-meta/title-group/article-title").itertext()).split())
    assert len(article.references) == len(root.findall("back/ref-list/ref"))
    assert all(reference.strip() for reference in article.references)
    assert citation_problems(article, root) == []


@pytest.mark.parametrize("name", PLOS_FILES)
def test_plos_reference_dois_appear_in_reference_text(name):
    data = corpus_bytes(name)
    article = parse_jats(data)
    for number, doi in dois_in_references(xml_root(data)):
        assert article.references[number - 1].endswith(f"doi:{doi}")


@pytest.mark.parametrize("name", WITHOUT_REFERENCE_LIST)
def test_article_without_reference_list_has_no_references_and_no_markers(name):
    article = parse_jats(corpus_bytes(name))

    assert article.references == []
    assert marker_numbers(article.body) == []
    assert len(article.body) > 1000


def test_references_cited_only_through_a_range_count_as_cited():
    data = corpus_bytes("journal.pmed.0030132.xml")
    article = parse_jats(data)
    root = xml_root(data)
    targeted = {rid for x in root.iter("xref") if x.get("ref-type") == "bibr"
                for rid in x.get("rid").split()}

    # <xref rid="pmed-0030132-b8">8–10</xref>: 9 and 10 are never a rid of their own.
    assert {"pmed-0030132-b9", "pmed-0030132-b10"}.isdisjoint(targeted)
    assert "Viagra to men [8–10]." in article.body
    cited = set(marker_numbers(article.body))
    assert {8, 9, 10} <= cited
    # The one reference this essay never cites.
    assert set(range(1, len(article.references) + 1)) - cited == {15}


def test_dash_between_citations_becomes_one_range_marker():
    article = parse_jats(corpus_bytes("journal.pmed.1001418.xml"))

    # <xref>[1]</xref>–<xref>[3]</xref>, <xref>[4]</xref>–<xref>[13]</xref>, …
    for marker in ("HIV/AIDS [1–3].", "published [4–13],", "around 10 y [17–19].",
                   "registration system [20–23],", "South Africa [20,25,26],"):
        assert marker in article.body
    assert article.references[1].endswith(
        "PLoS ONE 6: e25310. doi:10.1371/journal.pone.0025310")


def test_bracketed_citation_lists_keep_one_pair_of_brackets():
    article = parse_jats(corpus_bytes("journal.pmed.0020007.xml"))

    # "[<xref>3</xref>,<xref>4</xref>]" in the XML.
    assert "Alzheimer disease [3,4]" in article.body
    assert "[[" not in article.body and "]]" not in article.body
    assert article.references[0] == (
        "Ott A, Breteler MM, van Harskamp F, Claus JJ, van der Cammen TJ, et al. Prevalence of "
        "Alzheimer's disease and vascular dementia: Association with education. The Rotterdam "
        "study. BMJ. 1995;310:970–973.")


def test_sections_become_headings_and_figures_tables_become_paragraphs():
    article = parse_jats(corpus_bytes("journal.pmed.1001418.xml"))

    assert "\n\n## Methods\n\n### Cohort Description and Selection of Patients\n\n" in article.body
    assert "**Table 1.** Patient characteristics at start of ART." in article.body
    assert "Male | 14,528 | 39.5%" in article.body
    assert "**Figure 1.** Life expectancies of patients starting ART" in article.body
    # Table footnotes are text too.
    assert "CD4 values were imputed for 6,156 (14.0%) eligible adults" in article.body
    # The editors' lay summary and the table-of-contents blurb are not the authors' text.
    assert "more than 34 million people worldwide" not in article.body


# The uncited references of each corpus article, by reading the XML: the figure the citation
# checks must match exactly (cited_in_xml recomputes it; this pins the corpus itself).
CORPUS_UNCITED = {"journal.pmed.0020007.xml": set(), "journal.pmed.0030132.xml": {15},
                  "journal.pmed.0030205.xml": set(), "journal.pmed.1001418.xml": {35}}


@pytest.mark.parametrize("name", sorted(CORPUS_UNCITED))
def test_citation_checks_find_exactly_the_uncited_references_of_a_corpus_article(name):
    data = corpus_bytes(name)
    article = parse_jats(data)
    root = xml_root(data)
    report = check(article.body, article.references, {}, date(2026, 5, 1), Settings())

    uncited = {f.reference for f in report.findings if f.code == "reference-uncited"}
    in_xml, _ = cited_in_xml(root)
    assert set(range(1, len(article.references) + 1)) - in_xml == CORPUS_UNCITED[name]
    assert uncited == CORPUS_UNCITED[name]
    assert not [f for f in report.findings if f.code.startswith("marker-")]


def test_removing_a_reference_is_detected():
    """A copy with one <ref> deleted: its citations keep their printed number, which now points
    at the next reference or past the end of the list, and the corpus checks notice."""
    data = corpus_bytes("journal.pmed.1001418.xml")
    root = xml_root(data)
    original = parse_jats(data)

    for rid, printed in (("pmed.1001418-May1", 4), ("pmed.1001418-Keiser2", 58)):
        damaged_root = xml_root(data)
        ref = damaged_root.find(f"back/ref-list/ref[@id='{rid}']")
        ref.getparent().remove(ref)
        damaged = parse_jats(etree.tostring(damaged_root))

        assert len(damaged.references) == len(original.references) - 1
        assert citation_problems(damaged, damaged_root) != []
        if printed > len(damaged.references):
            assert max(marker_numbers(damaged.body)) > len(damaged.references)
        else:
            assert damaged.references[printed - 1] != original.references[printed - 1]
            assert set(marker_numbers(damaged.body)) != set(marker_numbers(original.body))
    assert citation_problems(original, root) == []


# --- Hand-written JATS ------------------------------------------------------------------------

REFS = """<back><ref-list>
  <ref id="r1"><label>1</label><element-citation publication-type="journal">
    <person-group person-group-type="author"><name><surname>Smith</surname>
    <given-names>John A</given-names></name><name><surname>Doe</surname>
    <given-names>J</given-names></name></person-group>
    <article-title>Aspirin after stroke</article-title><source>Lancet</source>
    <year>2020</year><volume>395</volume><issue>4</issue><fpage>10</fpage><lpage>19</lpage>
    <pub-id pub-id-type="doi">10.1016/S0140-6736(20)30001-1</pub-id>
    <pub-id pub-id-type="pmid">31999999</pub-id></element-citation></ref>
  <ref id="r2"><label>2</label><mixed-citation publication-type="book">
    <person-group><name><surname>Roe</surname><given-names>R</given-names></name></person-group>
    (2019) <source>Clinical pharmacology</source>. London: Elsevier.</mixed-citation></ref>
  <ref id="r3"><mixed-citation>Third reference. 2018.</mixed-citation></ref>
  <ref id="r4"><mixed-citation>Fourth reference. 2017.</mixed-citation></ref>
  <ref id="r5"><mixed-citation>Fifth reference. 2016.</mixed-citation></ref>
</ref-list></back>"""


def jats(body: str, refs: str = REFS, title: str = "A <italic>test</italic> article") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.2//EN" '
        '"https://jats.nlm.nih.gov/publishing/1.2/JATS-journalpublishing1.dtd">\n'
        '<article xmlns:xlink="http://www.w3.org/1999/xlink"><front><article-meta><title-group>'
        f"<article-title>{title}</article-title></title-group></article-meta></front>"
        f"<body>{body}</body>{refs}</article>").encode()


def test_element_citation_becomes_a_vancouver_line_ending_with_identifiers():
    article = parse_jats(jats("<p>x</p>"))

    assert article.title == "A test article"
    assert article.references == [
        "Smith JA, Doe J. Aspirin after stroke. Lancet. 2020;395(4):10–19. "
        "doi:10.1016/S0140-6736(20)30001-1 PMID: 31999999",
        "Roe R (2019) Clinical pharmacology. London: Elsevier.",
        "Third reference. 2018.",
        "Fourth reference. 2017.",
        "Fifth reference. 2016.",
    ]


@pytest.mark.parametrize(("xml", "expected"), [
    ('<p>One <xref ref-type="bibr" rid="r2">2</xref>.</p>', "One [2]."),
    ('<p>Two [<xref ref-type="bibr" rid="r1">1</xref>,<xref ref-type="bibr" rid="r4">4</xref>]'
     '.</p>', "Two [1,4]."),
    ('<p>Several ids <xref ref-type="bibr" rid="r1 r3">1,3</xref>.</p>', "Several ids [1,3]."),
    ('<p>Dash <xref ref-type="bibr" rid="r2">[2]</xref>–<xref ref-type="bibr" rid="r4">[4]'
     '</xref>.</p>', "Dash [2–4]."),
    ('<p>Bracketed [<xref ref-type="bibr" rid="r2">2</xref>]-[<xref ref-type="bibr" rid="r5">5'
     '</xref>].</p>', "Bracketed [2–5]."),
    ('<p>Printed range [<xref ref-type="bibr" rid="r3">3–5</xref>].</p>', "Printed range [3–5]."),
    ('<p>Mixed [<xref ref-type="bibr" rid="r1">1</xref>, <xref ref-type="bibr" rid="r3">3'
     '</xref>–<xref ref-type="bibr" rid="r5">5</xref>]</p>', "Mixed [1,3–5]"),
    ('<p>Superscript<sup><xref ref-type="bibr" rid="r2">2</xref></sup> here.</p>',
     "Superscript [2] here."),
    ('<p>Apart <xref ref-type="bibr" rid="r1">[1]</xref> and <xref ref-type="bibr" rid="r2">'
     '[2]</xref>.</p>', "Apart [1] and [2]."),
    ('<p>Missing target <xref ref-type="bibr" rid="gone">7</xref>.</p>', "Missing target [7]."),
])
def test_citations_become_numbered_markers(xml, expected):
    assert parse_jats(jats(xml)).body == expected


_PAGE = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


@pytest.mark.parametrize(("xml", "expected"), [
    ('<p>As shown <xref ref-type="bibr" rid="r2">[2]</xref>(p. 107).</p>',
     "As shown [2] (p. 107)."),
    ('<p>Reviewed [<xref ref-type="bibr" rid="r1">1</xref>–<xref ref-type="bibr" rid="r3">3</xref>]'
     '(see "Related literature").</p>', 'Reviewed [1–3] (see "Related literature").'),
    ('<p>Page <xref ref-type="bibr" rid="r4">[4]</xref>(chapter 2) and <xref ref-type="bibr" '
     'rid="r5">[5]</xref><italic>(p.4)</italic>.</p>', "Page [4] (chapter 2) and [5]*(p.4)*."),
    ('<p>Two <xref ref-type="bibr" rid="r2">[2]</xref>[see Table 2].</p>',
     "Two [2] [see Table 2]."),
    ('<p>Site <xref ref-type="bibr" rid="r1">1</xref><ext-link ext-link-type="uri" '
     'xlink:href="https://example.org/a">[x]</ext-link>.</p>',
     "Site [1] [\\[x\\]](https://example.org/a)."),
    ('<p>[<xref ref-type="bibr" rid="r3">3</xref>]: unpublished.</p>',
     "[3]\\: unpublished."),
    ('<list list-type="bullet"><list-item><p><xref ref-type="bibr" rid="r5">[5]</xref>: '
     'ibid.</p></list-item></list>', "- [5]\\: ibid."),
])
def test_jats_round_trip_keeps_every_citation_a_citation_and_no_citation_a_link(xml, expected):
    """JATS → Markdown → the page and the checks: text after a citation never turns it into a
    link or a link definition, so the page shows the marker and the checks count it."""
    data = jats(xml)
    article = parse_jats(data)
    assert article.body == expected

    cited, _ = cited_in_xml(xml_root(data))
    report = check(article.body, article.references, {}, date(2026, 5, 1), Settings())
    uncited = {f.reference for f in report.findings if f.code == "reference-uncited"}
    assert uncited == set(range(1, 6)) - cited
    assert not [f for f in report.findings if f.code.startswith("marker-")]
    page = _PAGE.render(article.body)
    assert page.count("<a href") == article.body.count("](https://")  # only the real link
    for marker in find_markers(article.body):
        assert marker.text in page


def test_citations_in_tables_boxes_captions_and_footnotes_count():
    body = """<sec><title>Results</title>
      <p>See the table.<table-wrap id="t1"><label>Table 1</label><caption><title>Doses
        <xref ref-type="bibr" rid="r1">1</xref></title></caption>
        <table><thead><tr><th>Drug</th><th>Dose</th></tr></thead>
        <tbody><tr><td>Aspirin</td><td>75 mg [<xref ref-type="bibr" rid="r2">2</xref>]</td></tr>
        </tbody></table>
        <table-wrap-foot><fn id="fn1"><label>a</label><p>Adults only
        [<xref ref-type="bibr" rid="r3">3</xref>].</p></fn></table-wrap-foot></table-wrap>
      After the table.</p>
      <boxed-text><caption><title>Box 1. Key points</title></caption>
        <p>Avoid in children [<xref ref-type="bibr" rid="r4">4</xref>].</p></boxed-text>
      <fig id="f1"><label>Figure 1</label><caption><title>Trial flow.</title>
        <p>Adapted from [<xref ref-type="bibr" rid="r5">5</xref>].</p></caption>
        <graphic xlink:href="f1.tif"/></fig>
    </sec>"""
    article = parse_jats(jats(body))

    assert article.body.split("\n\n") == [
        "## Results",
        "See the table.",
        "**Table 1.** Doses [1]",
        "Drug | Dose",
        "Aspirin | 75 mg [2]",
        "a Adults only [3].",
        "After the table.",
        "Box 1. Key points",
        "Avoid in children [4].",
        "**Figure 1.** Trial flow.",
        "Adapted from [5].",
    ]
    assert sorted(set(marker_numbers(article.body))) == [1, 2, 3, 4, 5]


def test_markup_lists_quotes_and_nested_sections():
    body = """<p>Intro with <italic>in vivo</italic> and <bold>bold </bold>text,
      a link <ext-link ext-link-type="uri" xlink:href="https://example.org/a">site</ext-link>
      and a literal * star and 2_b_ names.</p>
      <sec><label>1.</label><title>Outer</title><sec><title>Inner</title>
        <list list-type="order"><list-item><p>first [<xref ref-type="bibr" rid="r1">1</xref>]
        </p></list-item><list-item><p>second</p></list-item></list>
        <list list-type="bullet"><list-item><p>dot</p></list-item></list>
        <disp-quote><p>Quoted words.</p></disp-quote>
        <p>1. Not a list, # not a heading</p></sec></sec>"""
    article = parse_jats(jats(body))

    assert article.body.split("\n\n") == [
        "Intro with *in vivo* and **bold** text, a link [site](https://example.org/a) and a "
        "literal \\* star and 2_b\\_ names.",
        "## 1. Outer",
        "### Inner",
        "1. first [1]\n2. second",
        "- dot",
        "> Quoted words.",
        "1\\. Not a list, # not a heading",
    ]


def test_named_entities_from_the_unloaded_dtd_become_characters():
    article = parse_jats(jats("<p>10&nbsp;mg&mdash;daily &amp; more</p>"))

    assert article.body == "10 mg—daily & more"


def test_abstract_is_part_of_the_body_but_not_the_toc_blurb():
    data = jats("<sec><title>Intro</title><p>Body text.</p></sec>").replace(
        b"</title-group>",
        b"</title-group><abstract><sec><title>Background</title><p>Why.</p></sec></abstract>"
        b"<abstract abstract-type=\"toc\"><p>Blurb.</p></abstract>")
    article = parse_jats(data)

    assert article.body.split("\n\n") == [
        "## Abstract", "### Background", "Why.", "## Intro", "Body text."]


# --- Refusals ---------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE article [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
              for i in range(1, 10))
    + ']>\n<article><front><article-meta><title-group><article-title>&lol9;</article-title>'
      '</title-group></article-meta></front><body><p>&lol9;</p></body></article>')

EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE article [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<article><front><article-meta><title-group><article-title>Leak &xxe;</article-title>'
    '</title-group></article-meta></front><body><p>&xxe;</p></body></article>')

EXTERNAL_PARAMETER_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE article [<!ENTITY % remote SYSTEM "file:///etc/passwd">'
    '%remote;]>\n<article><front><article-meta><title-group><article-title>T</article-title>'
    '</title-group></article-meta></front><body><p>x</p></body></article>')


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_PARAMETER_ENTITY],
                         ids=["billion-laughs", "external-entity", "external-parameter-entity"])
def test_entity_declarations_are_refused_quickly_without_leaking_files(document, encoding):
    # UTF-16 hides "<!ENTITY" from a byte scan, so the parser's own refusal is exercised too.
    data = document.replace('<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>')
    started = time.perf_counter()
    with pytest.raises(JatsImportError) as refused:
        parse_jats(data.encode(encoding))

    assert time.perf_counter() - started < 2
    message = str(refused.value)
    assert "entit" in message.lower()
    assert "root:" not in message and "/bin/" not in message


def test_input_over_the_size_limit_is_refused_before_parsing():
    data = jats("<p>" + "word " * 3000 + "</p>")
    with pytest.raises(JatsImportError, match="limit is 10,000 bytes"):
        parse_jats(data, max_bytes=10_000)
    assert parse_jats(data, max_bytes=len(data)).body.startswith("word word")


@pytest.mark.parametrize(("data", "message"), [
    (b"<article><body><p>unclosed</body></article>", "not well-formed XML"),
    (b"not xml at all", "not well-formed XML"),
    (b'<?xml version="1.0"?><html><body/></html>', "root element is <html>"),
    (b"<article><front/><body><p>No title.</p></body></article>", "no title"),
])
def test_unusable_files_are_refused_with_a_message_for_people(data, message):
    with pytest.raises(JatsImportError, match=message):
        parse_jats(data)


def test_deep_nesting_is_refused_instead_of_exhausting_the_stack():
    data = jats("<p>" + "<italic>" * 200 + "x" + "</italic>" * 200 + "</p>")
    with pytest.raises(JatsImportError, match="nested"):
        parse_jats(data)


def test_importer_modules_do_not_load_the_web_stack():
    probe = (
        "import importlib, json, sys\n"
        "for name in sys.argv[1:]: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in ('flask', 'sqlalchemy', 'werkzeug', "
        "'flask_sqlalchemy', 'jinja2') if m in sys.modules)))\n")
    completed = subprocess.run(
        [sys.executable, "-c", probe, "reviewapp.citations.jats", "reviewapp.citations.importers"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == []
