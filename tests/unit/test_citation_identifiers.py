"""Identifiers parsed from one reference as typed: DOIs normalised, ISBN/ISSN check digits
verified by python-stdnum, malformed identifiers reported in words."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewapp.citations.identifiers import normalize_doi, parse_reference, script_links


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
