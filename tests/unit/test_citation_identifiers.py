"""Identifiers parsed from one reference as typed: DOIs normalised, ISBN/ISSN check digits
verified by python-stdnum, malformed identifiers reported in words."""

import re
from datetime import date
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewapp.citations.doi import doi_doubts, normalize_doi
from reviewapp.citations.engine import Settings, check
from reviewapp.citations.identifiers import parse_reference, script_links
from tests.conftest import CORPUS


@pytest.mark.parametrize(("value", "doi"), [
    ("10.1136/bmj.m1", "10.1136/bmj.m1"),
    ("doi:10.1136/bmj.m1", "10.1136/bmj.m1"),
    ("DOI: 10.1136/BMJ.M1", "10.1136/bmj.m1"),
    ("https://doi.org/10.1136/bmj.m1", "10.1136/bmj.m1"),
    ("http://dx.doi.org/10.1136/bmj.m1", "10.1136/bmj.m1"),
    ("https://dx.doi.org/10.1136/bmj.m1", "10.1136/bmj.m1"),
    ("doi.org/10.1136/bmj.m1", "10.1136/bmj.m1"),
    ("10.1136/bmj.m1.", "10.1136/bmj.m1"),
    ("  10.1136/bmj.m1;  ", "10.1136/bmj.m1"),
    ("https://doi.org/10.1000%2Fabc", "10.1000/abc"),
    ("10.1016/S0140-6736(20)30183-5", "10.1016/s0140-6736(20)30183-5"),
    ("(10.1016/S0140-6736(20)30183-5)", None),  # an opening bracket is not a DOI start
    ("10.1002/(SICI)1097-0258(19980815)17:15<1661::AID-SIM968>3.0.CO;2-2",
     "10.1002/(sici)1097-0258(19980815)17:15<1661::aid-sim968>3.0.co;2-2"),
    ("10.5555.1/sub-registrant", "10.5555.1/sub-registrant"),
    ("10.123/too-short-registrant", None),
    ("10.1136", None),
    ("10.1136/", None),
    ("bmj.m1", None),
    ("", None),
])
def test_doi_is_normalised(value, doi):
    assert normalize_doi(value) == doi


def test_dois_compare_case_insensitively_whatever_the_prefix():
    spellings = ["doi:10.5555/Example.2019.0042", "https://doi.org/10.5555/EXAMPLE.2019.0042",
                 "http://dx.doi.org/10.5555/example.2019.0042.", "10.5555/eXample.2019.0042"]
    assert {normalize_doi(spelling) for spelling in spellings} == {"10.5555/example.2019.0042"}


@pytest.mark.parametrize(("text", "isbn"), [
    ("Smith B. Pain. Oxford: OUP; 2019. ISBN 978-0-306-40615-7.", "9780306406157"),
    ("ISBN-13: 9780306406157", "9780306406157"),
    ("ISBN: 0-306-40615-2", "0306406152"),
    ("ISBN-10 0 306 40615 2", "0306406152"),
    ("ISBN 0-8044-2957-X", "080442957X"),
    ("ISBN 0-8044-2957-x (paperback)", "080442957X"),
])
def test_valid_isbn_is_kept_in_compact_form(text, isbn):
    ref = parse_reference(1, text)
    assert (ref.isbn, ref.invalid) == (isbn, ())


@pytest.mark.parametrize(("text", "words"), [
    ("ISBN 978-0-306-40615-8", "wrong check digit"),
    ("ISBN 0-306-40615-3", "wrong check digit"),
    ("ISBN 979-0-306-40615-7", "wrong check digit"),
    ("ISBN 978-0-306-4061", "10 or 13 digits"),
    ("ISBN: unknown", "not a valid ISBN"),
])
def test_isbn_with_bad_check_digit_or_length_is_invalid(text, words):
    ref = parse_reference(1, text)
    assert ref.isbn is None
    assert len(ref.invalid) == 1 and words in ref.invalid[0] and "ISBN" in ref.invalid[0]


@pytest.mark.parametrize(("text", "issn"), [
    ("BMJ. ISSN 0959-8138", "0959-8138"),
    ("Hear Res. ISSN: 0378-5955.", "0378-5955"),
    ("eISSN 2434-561x", "2434-561X"),
    ("ISSN 03785955", "0378-5955"),
])
def test_valid_issn(text, issn):
    ref = parse_reference(1, text)
    assert (ref.issn, ref.invalid) == (issn, ())


@pytest.mark.parametrize("text", ["ISSN 0378-5954", "ISSN 0959-8137", "ISSN: 1234"])
def test_issn_with_bad_check_digit_or_length_is_invalid(text):
    ref = parse_reference(1, text)
    assert ref.issn is None
    assert len(ref.invalid) == 1 and "ISSN" in ref.invalid[0]


@pytest.mark.parametrize(("text", "field", "value"), [
    ("Doe J. BMJ. 2020;368:m1. doi:10.1136/bmj.m1.", "doi", "10.1136/bmj.m1"),
    ("Doe J. BMJ. 2020. DOI 10.1136/bmj.m1", "doi", "10.1136/bmj.m1"),
    ("Doe J. https://doi.org/10.1136/BMJ.M1", "doi", "10.1136/bmj.m1"),
    ("Doe J. BMJ. 2020. PMID: 31000001.", "pmid", "31000001"),
    ("Doe J. https://pubmed.ncbi.nlm.nih.gov/31000001/", "pmid", "31000001"),
    ("Doe J. https://www.ncbi.nlm.nih.gov/pubmed/31000001", "pmid", "31000001"),
    ("Doe J. PMCID: PMC6543210", "pmcid", "PMC6543210"),
    ("Doe J. PMC6543210.", "pmcid", "PMC6543210"),
    ("Doe J. https://www.ncbi.nlm.nih.gov/pmc/articles/PMC6543210/", "pmcid", "PMC6543210"),
    ("Doe J. https://pmc.ncbi.nlm.nih.gov/articles/pmc6543210/", "pmcid", "PMC6543210"),
    ("NICE. Available from: https://www.nice.org.uk/guidance/ng59.", "urls",
     ("https://www.nice.org.uk/guidance/ng59",)),
    ("WHO (https://www.who.int/news/item/1_(a)).", "urls", ("https://www.who.int/news/item/1_(a)",)),
    ("Doe J. BMJ. 2020;368:m1.", "year", 2020),
    ("Doe J. BMJ. 2015 Mar 3;385:1.", "year", 2015),
    ("Doe J (2018). Pain. BMJ 3:1.", "year", 2018),
    ("Smith B. Pain. Oxford: OUP; 2019.", "year", 2019),
    ("Roe A. The 2009 H1N1 pandemic. Lancet. 2015;385:1.", "year", 2015),
    ("NICE. Pain [Internet]. 2016 [cited 2024 Jan 5]. https://x.org/2023/a", "year", 2016),
    ("Doe J. doi:10.1136/bmj.2019.0042", "year", None),
    ("Doe J. Pain relief.", "year", None),
])
def test_identifier_is_found(text, field, value):
    ref = parse_reference(1, text)
    assert getattr(ref, field) == value
    assert ref.invalid == ()


@pytest.mark.parametrize(("text", "words"), [
    ("Doe J. doi:10.12/x", "DOI “10.12/x” is not a valid DOI"),
    ("Doe J. DOI: pending", "DOI “pending” is not a valid DOI"),
    ("Doe J. https://doi.org/bmj.m1", "does not contain a valid DOI"),
    ("Doe J. PMID: 12a4", "PMID “12a4” is not a PubMed number"),
    ("Doe J. PMID: 0123", "PMID “0123” is not a PubMed number"),
    ("Doe J. PMCID: PMCabc", "PMCID “PMCabc” is not a PubMed Central number"),
    ("Doe J. javascript:alert(1)", "“javascript:alert(1)” is not a web address"),
    ("Doe J. ftp://example.org/a.pdf", "“ftp://example.org/a.pdf” is not a web address"),
    ("Doe J. file:///etc/passwd", "“file:///etc/passwd” is not a web address"),
    ("Doe J. data:text/html;base64,PHNjcmlwdD4=", "is not a web address"),
    ("Doe J. Available from: http://", "“http://” is not a complete web address"),
])
def test_malformed_identifier_is_reported_in_words(text, words):
    ref = parse_reference(1, text)
    assert any(words in message for message in ref.invalid), ref.invalid


@pytest.mark.parametrize("text", [
    "Doi K, Smith J. Kidney injury after surgery. Lancet. 2015;385:1.",  # Doi is a surname
    "Smith J. Supplementary data: tables 1-3. BMJ. 2020;368:m1.",
    "Smith J. Online. https://example.org/a?b=c&d=e#f",
])
def test_ordinary_words_are_not_malformed_identifiers(text):
    assert parse_reference(1, text).invalid == ()


def test_reference_keeps_number_and_raw_text():
    text = "  Doe J. Pain. BMJ. 2020. doi:10.1136/bmj.m1  "
    ref = parse_reference(7, text)
    assert (ref.number, ref.text) == (7, text)


@given(st.text(max_size=300))
def test_any_text_parses_without_raising(text):
    ref = parse_reference(1, text)
    assert ref.doi is None or normalize_doi(ref.doi) == ref.doi
    assert all(url.lower().startswith(("http://", "https://")) for url in ref.urls)


@given(st.text(alphabet="0123456789-Xx ISBNSdoi:/.10PMC", max_size=80))
def test_identifier_like_text_parses_without_raising(text):
    parse_reference(1, text)


@pytest.mark.parametrize("text, found", [
    ("Doe J. BMJ. 2020. javascript:alert(1)", ["javascript:alert(1)"]),
    ("Roe R. JaVaScRiPt:alert(2) vbscript:msgbox(3)",
     ["JaVaScRiPt:alert(2)", "vbscript:msgbox(3)"]),
    ("Kay K. java&#x09;script:alert(4)", ["java\tscript:alert(4)"]),
    ("Kay K. j&#97;vascript:alert(5)", ["javascript:alert(5)"]),
    ("Lee L. data:text/html;base64,PHNjcmlwdD4=", ["data:text/html;base64,PHNjcmlwdD4="]),
    ("Data: a review of trial data. Lancet. 2020;1:2.", []),
    ("Metadata:x/y. See https://a.org/javascript:x and https://a.org/?u=data:text/html,x", []),
])
def test_script_links_are_found_as_decoded(text, found):
    assert script_links(text) == [f"\u201c{link}\u201d" for link in found]


# --- a malformed identifier is a wrong one, not a missing one ----------------------------------

ROE = "Roe A. Ibuprofen for pain. Oxford: OUP; 2023."


def reference_codes(reference: str) -> list[str]:
    report = check("Ibuprofen helps [1].", [reference], {}, date(2026, 5, 1), Settings())
    return [finding.code for finding in report.findings]


@pytest.mark.parametrize(("reference", "kind"), [
    (f"{ROE} ISBN 978-0-306-40615-8", "ISBN"),
    (f"{ROE} doi:10.12/x", "DOI"),
    (f"{ROE} https://doi.org/bmj.m1", "DOI"),
    (f"{ROE} PMID: 12a4", "PMID"),
    (f"{ROE} PMCID: PMCabc", "PMCID"),
    (f"{ROE} ftp://example.org/a.pdf", "link"),
])
def test_malformed_identifier_is_one_finding_not_also_a_missing_one(reference, kind):
    ref = parse_reference(1, reference)
    assert (ref.misidentified, ref.invalid_kinds) == (True, frozenset({kind}))
    assert reference_codes(reference) == ["identifier-invalid"]


def test_a_wrong_issn_does_not_identify_the_work():
    """An ISSN names the journal: with nothing else, the work itself has no identifier."""
    reference = f"{ROE} ISSN 0378-5954"
    assert parse_reference(1, reference).misidentified is False
    assert reference_codes(reference) == ["identifier-invalid", "reference-unidentified"]


@pytest.mark.parametrize("reference", [ROE, f"{ROE} www.example.org"])
def test_reference_without_any_identifier_is_unidentified(reference):
    assert reference_codes(reference) == ["reference-unidentified"]


# --- DOIs of a made-up or cut-off shape ------------------------------------------------------

# Real DOIs of many registrants and eras (NEJM, Lancet/Elsevier PIIs with an X check digit,
# PLOS, Cochrane, BMJ, Wiley ".x" and SICI, AMS, Springer chapters, JSTOR, Zenodo, arXiv...).
REAL_DOIS = [
    "10.1056/NEJMoa2034577", "10.1016/S0140-6736(20)30183-5", "10.1371/journal.pmed.1001418",
    "10.1002/14651858.CD012345.pub2", "10.1136/bmj.m1234", "10.1016/S0140-6736(21)01638-X",
    "10.1097/00000542-200504000-00004", "10.1056/NEJMc2029240", "10.1088/1741-2552/ab059b",
    "10.1016/S0169-8141(01)00060-9", "10.1213/ANE.0000000000001324", "10.1002/jhm.2331",
    "10.1148/radiographics.13.6.8290731", "10.1109/SP.2008.31", "10.1038/s41524-023-00993-x",
    "10.1093/nar/gkx1262", "10.1101/2020.01.03.894154", "10.1175/2009JCLI3466.1",
    "10.1186/ISRCTN72509687", "10.2307/2347330", "10.5194/agile-giss-3-40-2022",
    "10.5281/zenodo.17839490", "10.6028/NIST.FIPS.202", "10.1111/j.1365-2125.2011.04033.x",
    "10.1002/(SICI)1097-0258(19980815)17:15<1661::AID-SIM968>3.0.CO;2-2",
    "10.1175/1520-0442(2003)016<4123:TIOTPC>2.0.CO;2", "10.1001/jama.2020.1585",
    "10.7326/M20-0504", "10.2337/dc14-2441", "10.2337/dc20-S002", "10.7554/eLife.12345",
    "10.1007/978-3-319-24574-4_28", "10.48550/arXiv.2303.08774", "10.1016/j.xcrm.2020.100059",
    "10.1161/CIR.0000000000000678",
]


def corpus_dois() -> list[str]:
    """Every DOI in the published PLOS articles of the shared corpus, as the XML has it."""
    found = set()
    for path in sorted((CORPUS / "plos").glob("*.xml")):
        found.update(re.findall(r"10\.\d{4,9}/[^\s<>\"]+", path.read_text(encoding="utf-8")))
    return sorted(found)


@pytest.mark.parametrize("doi", REAL_DOIS)
@pytest.mark.parametrize("written", ["doi:{}.", "https://doi.org/{}", "{}"])
def test_real_dois_raise_no_doubt(doi, written):
    if written.startswith("https"):  # a link carries < and > percent-encoded
        doi_in_link = quote(doi, safe="/:;()")
        ref = parse_reference(1, f"Doe J. A study. 2020. {written.format(doi_in_link)}")
    else:
        ref = parse_reference(1, f"Doe J. A study. 2020. {written.format(doi)}")
    assert (ref.doi, ref.suspicious) == (doi.lower(), ())


def test_no_doi_of_the_published_corpus_raises_a_doubt():
    dois = corpus_dois()
    assert len(dois) >= 30
    assert {doi: doi_doubts(doi) for doi in dois if doi_doubts(doi)} == {}


@pytest.mark.parametrize(("written", "words"), [
    ("doi:10.2337/dc14-24XX", "has “XX” in it, which looks like a placeholder"),
    ("https://doi.org/10.1016/j.jclinepi.2020.xx.xxx", "has “xx” in it"),
    ("doi:10.1056/NEJMoa...", "was shortened with “...”"),
    ("https://doi.org/10.1056/NEJMoa\u2026", "was shortened with “...”"),
    ("doi:10.1016/S0140-6736(20)30183\u20135", "“–” (a dash a word processor put where DOIs "
                                               "have a hyphen “-”)"),
    ("doi:10.1000/abc,def", "has “,” in it, which DOIs hardly ever contain"),
    ("https://doi.org/10.1000/a%E2%80%8Bb", "an invisible character (zero width space)"),
    ("doi:10.2337/dc14-", "ends in “-”, so its end may be missing"),
    ("https://doi.org/10.1016/S0140-6736(", "ends in “(”"),
])
def test_doi_of_a_made_up_or_cut_off_shape_is_doubted(written, words):
    ref = parse_reference(1, f"Doe J. A study. Diabetes Care. 2015;38:1. {written}")
    assert ref.doi is not None and ref.invalid == ()
    assert len(ref.suspicious) == 1 and words in ref.suspicious[0], ref.suspicious


def test_doubted_doi_is_a_warning_and_still_an_identifier():
    reference = "Doe J. A study. Diabetes Care. 2020;43:1. doi:10.2337/dc14-24XX"
    report = check("Ibuprofen helps [1].", [reference], {}, date(2026, 5, 1), Settings())
    assert [(f.code, f.severity) for f in report.findings] == [
        ("identifier-suspicious", "warning")]
    assert report.findings[0].message == (
        "Reference 1 has a DOI that may be wrong: DOI “10.2337/dc14-24XX” has “XX” in it, "
        "which looks like a placeholder rather than part of a real DOI. Check that it opens "
        "the cited work at https://doi.org, or copy it again from the article's page.")


def test_quotation_marks_around_a_doi_are_not_part_of_it():
    ref = parse_reference(1, "Doe J. A study. 2020. “doi:10.1136/bmj.m1”")
    assert (ref.doi, ref.suspicious, ref.invalid) == ("10.1136/bmj.m1", (), ())
