"""Reference files (RIS, BibTeX, CSL-JSON) become Vancouver-like lines ending with their
identifiers; malformed files get a message a person can act on; a Markdown article's final
References section is split off its body."""

import json

import pytest

from reviewapp.citations.importers import (
    ReferenceImportError,
    import_references,
    parse_markdown_document,
)

DAPA_HF = (
    "McMurray JJV, Solomon SD, Inzucchi SE, Køber L, Kosiborod MN, Martinez FA, et al. "
    "Dapagliflozin in Patients with Heart Failure and Reduced Ejection Fraction. N Engl J Med. "
    "2019;381(21):1995-2008. doi:10.1056/NEJMoa1911303 PMID: 31535829")

# As Zotero exports it, with the PubMed accession number.
RIS = """TY  - JOUR
TI  - Dapagliflozin in Patients with Heart Failure and Reduced Ejection Fraction
AU  - McMurray, John J.V.
AU  - Solomon, Scott D.
AU  - Inzucchi, Silvio E.
AU  - Køber, Lars
AU  - Kosiborod, Mikhail N.
AU  - Martinez, Felipe A.
AU  - Ponikowski, Piotr
T2  - New England Journal of Medicine
J2  - N Engl J Med
DA  - 2019/11/21/
PY  - 2019
DO  - 10.1056/NEJMoa1911303
VL  - 381
IS  - 21
SP  - 1995
EP  - 2008
SN  - 0028-4793
UR  - https://doi.org/10.1056/NEJMoa1911303
AN  - 31535829
DB  - PubMed
ER  -

TY  - CHAP
TI  - Heart failure with preserved ejection fraction
AU  - Redfield, Margaret M.
A2  - Zipes, Douglas P.
A2  - Libby, Peter
T2  - Braunwald's Heart Disease
ET  - 11
CY  - Philadelphia
PB  - Elsevier
PY  - 2019
SP  - 490
EP  - 506
ER  -

TY  - ELEC
TI  - Heart failure: diagnosis and management (NG106)
AU  - National Institute for Health and Care Excellence
PY  - 2018
UR  - https://www.nice.org.uk/guidance/ng106
ER  -

TY  - JOUR
TI  - Sacubitril-valsartan versus enalapril in heart failure
AU  - McMurray, J. J. V.
JO  - N Engl J Med
PY  - 2014///
VL  - 371
IS  - 11
SP  - 993-1004
N1  - PMID: 25176015; PMCID: PMC4000000
ER  -
""".replace("ER  -\n", "ER  - \n")  # exporters write the end tag with a trailing space

BIBTEX = r"""% Exported from JabRef
@article{solomon2022,
  title = {Dapagliflozin in {Heart} {Failure} with {Mildly} {Reduced} or {Preserved}
           {Ejection} {Fraction}},
  volume = {387},
  doi = {https://doi.org/10.1056/NEJMoa2206286},
  number = {12},
  journal = {N Engl J Med},
  author = {Solomon, Scott D. and McMurray, John J. V. and Claggett, Brian and
            de Boer, Rudolf A. and DeMets, David and others},
  year = {2022},
  pmid = {36027570},
  pages = {1089--1098},
}

@book{mueller2020,
  author = {M{\"u}ller, J{\"o}rg and {World Health Organization}},
  title = {Essential medicines in primary care},
  edition = {2},
  publisher = {WHO Press},
  address = {Geneva},
  year = 2020,
}

@incollection{roe2021,
  author = {Roe, Richard},
  editor = {Poe, Edgar Allan and Doe, Jane},
  title = {Managing acute pain},
  booktitle = {Textbook of Perioperative Medicine},
  publisher = {Wiley},
  address = {Oxford},
  year = {2021},
  pages = {112--130},
  eprint = {33000001},
  eprinttype = {pubmed},
}
"""

CSL_JSON = [
    {
        "id": "http://zotero.org/users/1/items/ABCD",
        "type": "article-journal",
        "title": "Colchicine in patients with chronic coronary disease",
        "container-title": "The New England Journal of Medicine",
        "container-title-short": "N Engl J Med",
        "page": "1838-1847",
        "volume": "383",
        "issue": 19,
        "DOI": "10.1056/NEJMoa2021372",
        "PMID": "32865380",
        "author": [
            {"family": "Nidorf", "given": "Stefan M."},
            {"family": "Fiolet", "given": "Aernoud T. L."},
            {"family": "Berg", "given": "Jan", "non-dropping-particle": "van den"},
            {"literal": "LoDoCo2 Trial Investigators"},
        ],
        "issued": {"date-parts": [["2020", 11, 5]]},
    },
    {
        "type": "book",
        "title": "Oxford Handbook of Clinical Medicine",
        "author": [{"family": "Wilkinson", "given": "Ian B."}],
        "edition": "10",
        "publisher": "Oxford University Press",
        "publisher-place": "Oxford",
        "issued": {"raw": "2017"},
        "note": "PMCID: PMC1234567",
    },
]


def test_ris_records_become_vancouver_lines():
    assert import_references(RIS.encode("utf-8"), "library.ris") == [
        DAPA_HF,
        "Redfield MM. Heart failure with preserved ejection fraction. In: Zipes DP, Libby P, "
        "editors. Braunwald's Heart Disease. 11th ed. Philadelphia: Elsevier; 2019. "
        "p. 490-506.",
        "National Institute for Health and Care Excellence. Heart failure: diagnosis and "
        "management (NG106). 2018. Available from: https://www.nice.org.uk/guidance/ng106",
        "McMurray JJV. Sacubitril-valsartan versus enalapril in heart failure. N Engl J Med. "
        "2014;371(11):993-1004. PMID: 25176015 PMCID: PMC4000000",
    ]


def test_bibtex_entries_become_vancouver_lines():
    assert import_references(BIBTEX.encode("utf-8"), "refs.bib") == [
        "Solomon SD, McMurray JJV, Claggett B, de Boer RA, DeMets D, et al. Dapagliflozin in "
        "Heart Failure with Mildly Reduced or Preserved Ejection Fraction. N Engl J Med. "
        "2022;387(12):1089-1098. doi:10.1056/NEJMoa2206286 PMID: 36027570",
        "Müller J, World Health Organization. Essential medicines in primary care. 2nd ed. "
        "Geneva: WHO Press; 2020.",
        "Roe R. Managing acute pain. In: Poe EA, Doe J, editors. Textbook of Perioperative "
        "Medicine. Oxford: Wiley; 2021. p. 112-130. PMID: 33000001",
    ]


def test_csl_json_items_become_vancouver_lines():
    assert import_references(json.dumps(CSL_JSON).encode("utf-8"), "zotero.json") == [
        "Nidorf SM, Fiolet ATL, van den Berg J, LoDoCo2 Trial Investigators. Colchicine in "
        "patients with chronic coronary disease. N Engl J Med. 2020;383(19):1838-1847. "
        "doi:10.1056/NEJMoa2021372 PMID: 32865380",
        "Wilkinson IB. Oxford Handbook of Clinical Medicine. 10th ed. Oxford: Oxford University "
        "Press; 2017. PMCID: PMC1234567",
    ]


def test_a_single_csl_object_counts_as_a_list_of_one():
    assert import_references(json.dumps(CSL_JSON[0]).encode(), "item.json") == [
        import_references(json.dumps(CSL_JSON).encode(), "items.json")[0]]


@pytest.mark.parametrize(("data", "filename"), [
    (RIS.encode(), "export.txt"),
    (RIS.encode(), "export"),
    (BIBTEX.encode(), "export.txt"),
    (json.dumps(CSL_JSON).encode(), "export.txt"),
])
def test_format_is_recognised_by_content_when_the_extension_says_nothing(data, filename):
    assert len(import_references(data, filename)) >= 2


def test_windows_line_endings_byte_order_mark_and_windows_1252_are_read():
    crlf = ("\ufeff" + RIS.replace("\n", "\r\n")).encode("utf-8")
    assert import_references(crlf, "library.ris")[0] == DAPA_HF
    latin = "TY  - JOUR\nAU  - Müller, Hans\nTI  - Title\nPY  - 2001\nER  - \n".encode("cp1252")
    assert import_references(latin, "old.ris") == ["Müller H. Title. 2001."]


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"TY  - JOUR\nTI  - Unfinished\nPY  - 2020\n", "a.ris",
     r'The RIS record starting on line 1 has no end line \("ER  -"\)'),
    (b"TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\nER  - \n", "a.ris",
     "starting on line 1 has no end line .* before the next record on line 3"),
    (b"TY  - JOUR\nAU - Smith, J\nER  - \n", "a.ris", "Line 2 of the RIS file is not a tag line"),
    (b"Smith J. A title. 2020.\n", "a.ris", "not a RIS file"),
    (b"@article{k,\n  title = {Unclosed,\n  year = 2020\n", "a.bib",
     "The BibTeX entry starting on line 1 could not be read"),
    (b"@article{k, title={A}, title={B}}\n", "a.bib", "Duplicate field keys"),
    (b"Just some text.\n", "a.bib", "not a BibTeX file"),
    (b'[{"title": "A",}]', "a.json", r"not valid JSON: .*\(line 1, column 16\)"),
    (b'"a string"', "a.json", "holds a list of references"),
    (b'[{"title": "A"}, 7]', "a.json", "Item 2 of the CSL-JSON list is not a reference object"),
    (b"[]", "a.json", "a.json contains no references"),
    (b'[{"type": "book"}]', "a.json", "Reference 1 in a.json has no author, title or source"),
    (b"\x81\x8d\x8f", "a.ris", "not UTF-8 text"),
    (b"Plain notes, one per line.", "notes.txt", "use RIS .*BibTeX .*CSL-JSON"),
])
def test_malformed_files_are_refused_with_a_clear_message(data, filename, message):
    with pytest.raises(ReferenceImportError, match=message):
        import_references(data, filename)


def test_files_over_the_size_limit_are_refused():
    with pytest.raises(ReferenceImportError, match="limit is 100 bytes"):
        import_references(RIS.encode(), "big.ris", max_bytes=100)


# --- Markdown ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "body", "references"), [
    pytest.param(
        "# Aspirin\n\nAspirin reduces stroke [1,2].\n\n## References\n\n"
        "1. Smith J. Aspirin. Lancet. 2020;1:1-2.\n2. Doe J. Stroke. BMJ. 2019;2:3.\n",
        "# Aspirin\n\nAspirin reduces stroke [1,2].",
        ["Smith J. Aspirin. Lancet. 2020;1:1-2.", "Doe J. Stroke. BMJ. 2019;2:3."],
        id="atx-heading"),
    pytest.param(
        "Text [1].\n\nReferences\n----------\n\n[1] Smith J. A.\n[2] Doe J. B.",
        "Text [1].", ["Smith J. A.", "Doe J. B."], id="setext-heading-bracketed-numbers"),
    pytest.param(
        "Text.\n\nReferences\n==========\n1) One.\n2) Two.", "Text.", ["One.", "Two."],
        id="setext-level-1-parenthesis-numbers"),
    pytest.param(
        "Text.\n\n### References ###\n\n1. Smith J. A very long title that\n"
        "   wraps onto a second line. Lancet. 2020.\n2. Doe J. Short.",
        "Text.",
        ["Smith J. A very long title that wraps onto a second line. Lancet. 2020.",
         "Doe J. Short."],
        id="wrapped-reference-lines-join"),
    pytest.param(
        "Text.\n\n## References\n\n1. One.\n\n2. Two.\n\n## Acknowledgements\n\nThanks.",
        "Text.\n\n## Acknowledgements\n\nThanks.", ["One.", "Two."],
        id="later-section-stays-in-body"),
    pytest.param(
        "## References\n\n1. Old list.\n\n## Discussion\n\nMore.\n\n## References\n\n1. Final.",
        "## References\n\n1. Old list.\n\n## Discussion\n\nMore.", ["Final."],
        id="last-references-heading-wins"),
    pytest.param(
        "Text.\n\nReferences\n\n1. One.\n2. Two.", "Text.", ["One.", "Two."],
        id="bare-references-line-above-a-list"),
    pytest.param(
        "Text.\n\n**References:**\n\n1. One.", "Text.", ["One."], id="bold-references-line"),
    pytest.param(
        "Text.\r\n\r\n## References\r\n\r\n- One.\r\n- Two.\r\n", "Text.", ["One.", "Two."],
        id="crlf-and-bullets"),
    pytest.param(
        "Text.\n\n```\n## References\n1. Not real.\n```\n", "Text.\n\n```\n## References\n"
        "1. Not real.\n```", [], id="heading-inside-code-fence-ignored"),
    pytest.param(
        "Just text [1].\n\n## Further reading on references\n\n1. Item.\n",
        "Just text [1].\n\n## Further reading on references\n\n1. Item.", [],
        id="no-references-heading"),
    pytest.param("", "", [], id="empty"),
])
def test_parse_markdown_document(text, body, references):
    assert parse_markdown_document(text) == (body, references, [])


def test_markdown_reference_list_is_split_as_a_pasted_one_is():
    """The rule of citations/reference_list.py: a wrapped line starting with a year stays in
    its item, a DOI broken by the wrap is joined, one that may not be is named."""
    text = ("Text [1-3].\n\n## References\n\n"
            "1. Smith J. Pain in adults. BMJ.\n2019. doi:10.1016/S0140-\n6736(20)30183-5\n"
            "2. Doe J. Fever. https://doi.org/10.1056/\nNEJMoa2034577\n"
            "3. Roe R. Cough. doi:10.1056/NEJ\nMoa2034577\n")
    document = parse_markdown_document(text)
    assert document.body == "Text [1-3]."
    assert document.references == [
        "Smith J. Pain in adults. BMJ. 2019. doi:10.1016/S0140-6736(20)30183-5",
        "Doe J. Fever. https://doi.org/10.1056/NEJMoa2034577",
        "Roe R. Cough. doi:10.1056/NEJ Moa2034577"]
    assert document.notes == [
        "Reference 3: the DOI “doi:10.1056/NEJ” ends a line and the next line starts with "
        "“Moa2034577”. If the line break cut the DOI in two, put it back together on one line."]
