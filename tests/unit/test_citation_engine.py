"""The citation checks of DESIGN §4: each finding fires on a minimal example and stays quiet
on a clean one; the report is deterministic, JSON-shaped as documented, and never raises."""

import json
import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewapp.citations.engine import (
    CODES,
    ERROR,
    INFO,
    WARNING,
    Finding,
    Report,
    Retraction,
    Settings,
    check,
    retraction_keys,
)
from reviewapp.citations.identifiers import parse_reference
from reviewapp.citations.markers import find_markers

TODAY = date(2026, 5, 1)
DOE = "Doe J. Paracetamol for pain. BMJ. 2024;368:m1. doi:10.1136/bmj.m1"
ROE = "Roe A. Ibuprofen for pain. Lancet. 2023;401:2. PMID: 31000001"
CLEAN_BODY = ("Paracetamol 1 g every 6 hours is first-line for mild pain [1]. "
              "Ibuprofen is an alternative [2].")
CLEAN_REFS = [DOE, ROE]


def run(body=CLEAN_BODY, refs=CLEAN_REFS, retractions=None, today=TODAY, **options) -> Report:
    return check(body, refs, retractions or {}, today, Settings(**options))


def codes(report: Report) -> list[str]:
    return [finding.code for finding in report.findings]


def test_clean_article_has_no_findings():
    assert run().findings == ()


def test_catalogue_codes_and_severities_are_those_of_the_design():
    assert CODES == {
        "marker-unresolved": ERROR, "marker-malformed": ERROR, "reference-uncited": WARNING,
        "reference-order": WARNING, "identifier-invalid": ERROR,
        "identifier-suspicious": WARNING,
        "reference-duplicate": WARNING, "reference-retracted": ERROR,
        "reference-concern": WARNING, "reference-corrected": INFO,
        "reference-unidentified": WARNING, "reference-stale": INFO,
        "claim-uncited": WARNING, "no-references": ERROR, "link-unlisted": WARNING,
        "reading-level": WARNING,  # issue 17: an audience version above its target
    }


# (code, arguments that make it fire, arguments that keep it quiet)
CASES = [
    ("marker-unresolved", dict(body=CLEAN_BODY + " See also [3]."), dict()),
    ("marker-unresolved", dict(body=CLEAN_BODY + " See also [2-4]."),
     dict(body=CLEAN_BODY + " See also [1-2].")),
    ("marker-unresolved", dict(body=CLEAN_BODY + " See [2]–[3]."),
     dict(body=CLEAN_BODY + " See [1]–[2].")),
    ("marker-malformed", dict(body=CLEAN_BODY + " See [0]."), dict()),
    ("marker-malformed", dict(body=CLEAN_BODY + " See [2-1]."),
     dict(body=CLEAN_BODY + " See [1-2].")),
    ("marker-malformed", dict(body=CLEAN_BODY + " See [1,,2]."),
     dict(body=CLEAN_BODY + " See [1, 2].")),
    ("reference-uncited", dict(refs=[DOE, ROE, "Poe E. Pain. Pain. 2022;1:1. PMID: 31000002"]),
     dict()),
    ("reference-order", dict(body="Paracetamol helps [2]. Ibuprofen helps too [1]."),
     dict(body="Paracetamol helps [1]. Ibuprofen helps too [2] and [1].")),
    ("identifier-invalid", dict(refs=[DOE, ROE + " ISBN 978-0-306-40615-8"]),
     dict(refs=[DOE, ROE + " ISBN 978-0-306-40615-7"])),
    ("identifier-invalid", dict(refs=[DOE, ROE + " ISSN 0378-5954"]),
     dict(refs=[DOE, ROE + " ISSN 0378-5955"])),
    ("identifier-invalid", dict(refs=[DOE.replace("10.1136", "10.11"), ROE]), dict()),
    ("identifier-invalid", dict(refs=[DOE, ROE + " javascript:alert(1)"]),
     dict(refs=[DOE, ROE + " https://example.org/a"])),
    ("identifier-invalid", dict(refs=[DOE, ROE.replace("31000001", "3100000l")]), dict()),
    ("reference-duplicate",
     dict(body=CLEAN_BODY + " Again [3].",
          refs=[DOE, ROE, "Doe J. Paracetamol. https://doi.org/10.1136/BMJ.M1"]),
     dict(body=CLEAN_BODY + " Again [3].",
          refs=[DOE, ROE, "Doe J. Paracetamol. https://doi.org/10.1136/BMJ.M2"])),
    ("reference-duplicate",
     dict(body=CLEAN_BODY + " Again [3].", refs=[DOE, ROE, "Roe A. Ibuprofen. PMID 31000001."]),
     dict(body=CLEAN_BODY + " Again [3].", refs=[DOE, ROE, "Roe A. Ibuprofen. PMID 31000002."])),
    ("reference-duplicate",
     dict(body=CLEAN_BODY + " Again [3].", refs=[DOE, ROE, DOE.upper().replace(";", " ; ")]),
     dict()),
    ("reference-retracted",
     dict(retractions={"doi:10.1136/bmj.m1": Retraction("Retraction", "RW-1")}), dict()),
    ("reference-retracted",
     dict(retractions={"pmid:31000001": Retraction("Retraction", "RW-2", "Fabricated data")}),
     dict(retractions={"pmid:31000001": Retraction("Reinstatement", "RW-3")})),
    ("reference-concern",
     dict(retractions={"pmid:31000001": Retraction("Expression of concern", "RW-4")}), dict()),
    ("reference-corrected",
     dict(retractions={"doi:10.1136/bmj.m1": Retraction("Correction", "RW-5")}), dict()),
    ("reference-unidentified", dict(refs=[DOE, "Roe A. Ibuprofen for pain. Lancet. 2023."]),
     dict(refs=[DOE, "Roe A. Ibuprofen for pain. ISBN 0-306-40615-2."])),
    ("reference-unidentified", dict(refs=[DOE, "Roe A. www.example.org. 2023."]),
     dict(refs=[DOE, "Roe A. https://www.example.org. 2023."])),
    ("reference-stale", dict(refs=[DOE, ROE.replace("2023", "2015")]),
     dict(refs=[DOE, ROE.replace("2023", "2016")])),
    ("reference-stale", dict(refs=[DOE, ROE.replace("2023", "2010")], stale_reference_years=5),
     dict(refs=[DOE, ROE.replace("2023", "2010")], stale_reference_years=20)),
    ("no-references", dict(refs=[]), dict(body="Ibuprofen is an alternative.", refs=[])),
    ("link-unlisted", dict(body=CLEAN_BODY + " Buy it [here](https://shop.example.com/buy)."),
     dict(body=CLEAN_BODY + " Read [NICE](https://www.nice.org.uk/guidance/ng59).",
          link_allowlist=("nice.org.uk",))),
    ("link-unlisted", dict(body=CLEAN_BODY + " See https://shop.example.com."),
     dict(body=CLEAN_BODY + " See https://cks.nice.org.uk/topics/pain.",
          link_allowlist=("nice.org.uk",))),
    ("link-unlisted", dict(body=CLEAN_BODY + " See <https://notnice.org.uk/>.",
                           link_allowlist=("nice.org.uk",)), dict()),
    ("link-unlisted", dict(body=CLEAN_BODY + " See https://doi.org/10.1136/bmj.m9."),
     dict(body=CLEAN_BODY + " See https://doi.org/10.1136/BMJ.M1.")),
    ("link-unlisted", dict(body=CLEAN_BODY + " See https://pubmed.ncbi.nlm.nih.gov/31000009/."),
     dict(body=CLEAN_BODY + " See https://pubmed.ncbi.nlm.nih.gov/31000001/.")),
    ("link-unlisted", dict(body=CLEAN_BODY + " See https://other.example.org/page."),
     dict(body=CLEAN_BODY + " See https://www.who.int/news/item/2.",
          refs=[DOE, ROE + " https://www.who.int/news/item/1"])),
]


@pytest.mark.parametrize(("code", "firing", "quiet"), CASES,
                         ids=[f"{case[0]}-{index}" for index, case in enumerate(CASES)])
def test_check_fires_on_minimal_example_and_stays_quiet_on_clean_one(code, firing, quiet):
    fired = run(**firing)
    assert code in codes(fired)
    finding = next(finding for finding in fired.findings if finding.code == code)
    assert finding.severity == CODES[code]
    assert finding.message.endswith(".") and finding.message[0].isupper()
    assert code not in codes(run(**quiet))


CLAIMS = [
    "Give 10 mg at night.", "Give 1g every 6 hours.", "Give 150mg at night.",
    "Give 500 mcg at night.", "Give 5 mL at night.", "Give it twice daily.", "Give it q8h.",
    "Give it b.i.d. with food.", "It helped 40% of patients.", "It helped (p < 0.05).",
    "The odds were higher (95% CI 1.1 to 2.0).", "Statins reduced deaths by a quarter.",
    "The risk ratio was 0.8.", "Clinicians should check kidney function.",
    "Metformin is recommended.", "Metformin is first-line.", "Avoid NSAIDs in asthma.",
    "Aspirin is contraindicated in children.",
]


@pytest.mark.parametrize("claim", CLAIMS)
def test_clinical_claim_needs_a_marker_in_its_sentence(claim):
    body = f"{CLEAN_BODY} {claim}"
    uncited = [finding for finding in run(body=body).findings if finding.code == "claim-uncited"]
    assert [finding.sentence for finding in uncited] == [claim]
    assert "cites no reference" in uncited[0].message
    cited = f"{CLEAN_BODY} {claim[:-1]} [2]."
    assert "claim-uncited" not in codes(run(body=cited))


@pytest.mark.parametrize("sentence", [
    "The trial enrolled adults from twelve centres.",
    "Most patients were seen in 2019 and 2020.",
    "The study was conducted by a hospital team.",
    "Table 2 lists the outcomes.",
])
def test_sentence_without_a_claim_needs_no_marker(sentence):
    assert run(body=f"{CLEAN_BODY} {sentence}").findings == ()


@pytest.mark.parametrize("body", [
    CLEAN_BODY + " Avoid NSAIDs in renal failure.[2]",
    CLEAN_BODY + " Avoid NSAIDs in renal failure. [2]",
    CLEAN_BODY + "\n\n- Avoid NSAIDs [2].\n- Give 1 g [1].",
    CLEAN_BODY + "\n\n## What should you avoid?",
    CLEAN_BODY + "\n\n| Drug | Dose |\n|---|---|\n| Paracetamol | 1 g [1] |",
])
def test_claims_cited_after_the_full_stop_in_lists_tables_and_headings_are_fine(body):
    assert run(body=body).findings == ()


def test_list_item_claim_is_checked_on_its_own():
    body = CLEAN_BODY + "\n\n- Avoid NSAIDs.\n- Give 1 g [1]."
    assert [finding.sentence for finding in run(body=body).findings] == ["Avoid NSAIDs."]


def test_table_row_with_a_dose_and_no_marker_is_a_claim():
    body = CLEAN_BODY + "\n\n| Drug | Dose |\n|---|---|\n| Paracetamol | 1 g |"
    [finding] = run(body=body).findings
    assert (finding.code, finding.sentence) == ("claim-uncited", "| Paracetamol | 1 g |")


def test_code_spans_and_blocks_give_no_findings():
    body = (CLEAN_BODY + " Write `[9]` or `dose = 10 mg`.\n\n```\nGive 10 mg [7].\n"
            "https://shop.example.com\n```\n\n<!-- Avoid this: [8] -->\n")
    assert run(body=body).findings == ()


DESIGN_EXAMPLE = (
    "Paracetamol is first-line for mild pain (e.g., 1g every 6 hours) [1]. "
    "Pregabalin 150 mg p.o. b.i.d. is an option for neuropathic pain [2]. "
    "Dr. Smith et al. reported that 30% of patients stopped it."
)


def test_design_example_flags_only_the_uncited_statistic():
    [finding] = run(body=DESIGN_EXAMPLE).findings
    assert finding.code == "claim-uncited"
    assert finding.sentence == "Dr. Smith et al. reported that 30% of patients stopped it."
    assert "“30%”" in finding.message


def test_no_references_replaces_per_sentence_claim_findings():
    report = run(body=DESIGN_EXAMPLE.replace(" [1]", "").replace(" [2]", ""), refs=[])
    assert codes(report) == ["no-references"]
    assert report.findings[0].sentence.startswith("Paracetamol is first-line")


def test_markers_with_an_empty_list_are_unresolved_as_well():
    report = run(body="Paracetamol 1 g helps [1].", refs=[])
    assert sorted(codes(report)) == ["marker-unresolved", "no-references"]
    assert "the list is empty" in report.findings[0].message or \
        "the list is empty" in report.findings[1].message


def test_unresolved_marker_message_names_the_marker_and_list_length():
    body = CLEAN_BODY + " See [7].", [DOE, ROE, *["Poe E. x. PMID: 1"] * 3]
    report = check(body[0], body[1], {}, TODAY, Settings())
    [finding] = [finding for finding in report.findings if finding.code == "marker-unresolved"]
    assert finding.message == "Marker [7] points at no reference (the list has 5)."
    assert (finding.marker, finding.sentence) == ("[7]", "See [7].")


def test_unresolved_range_names_the_missing_numbers():
    [finding] = run(body=CLEAN_BODY + " See [1-4].").findings
    assert "references 3–4" in finding.message and "(the list has 2)" in finding.message


def test_reference_order_points_at_the_first_reference_out_of_turn():
    [finding] = run(body="Paracetamol helps [2]. Ibuprofen helps too [1].").findings
    assert (finding.reference, finding.marker) == (2, "[2]")
    assert finding.message.startswith("Reference 2 is cited before reference 1")


def test_duplicate_is_reported_on_the_later_reference():
    refs = [DOE, ROE, "Doe J. Paracetamol. doi:10.1136/BMJ.M1."]
    [finding] = run(body=CLEAN_BODY + " [3]", refs=refs).findings
    assert (finding.code, finding.reference) == ("reference-duplicate", 3)
    assert "repeats reference 1" in finding.message and "10.1136/bmj.m1" in finding.message


@pytest.mark.parametrize(("natures", "code"), [
    (("Retraction",), "reference-retracted"),
    (("Expression of concern",), "reference-concern"),
    (("Correction",), "reference-corrected"),
    (("Reinstatement",), None),
    (("Correction", "Retraction"), "reference-retracted"),
    (("Retraction", "Reinstatement"), None),
])
def test_retraction_notice_nature_decides_the_finding(natures, code):
    keys = ["doi:10.1136/bmj.m1", "pmid:31000001"]
    ref = "Doe J. Paracetamol. BMJ. 2024. doi:10.1136/bmj.m1 PMID: 31000001"
    notices = {key: Retraction(nature, f"RW-{index}", "Data error", "2025-01-02")
               for index, (key, nature) in enumerate(zip(keys, natures, strict=False))}
    report = run(body="Paracetamol helps [1].", refs=[ref], retractions=notices)
    assert codes(report) == ([code] if code else [])


def test_retraction_message_gives_the_notice():
    report = run(retractions={"doi:10.1136/bmj.m1": Retraction(
        "Retraction", "RW-1", "Fabricated data", "2025-01-02")})
    assert report.findings[0].message == (
        "Reference 1 has been retracted (notice RW-1, 2025-01-02: Fabricated data). "
        "Remove it, or cite it only as retracted work.")


def test_retraction_keys_are_doi_and_pmid():
    ref = parse_reference(1, "Doe J. https://doi.org/10.5555/Example.2019.0042 PMID: 31000001")
    assert retraction_keys(ref.doi, ref.pmid) == ["doi:10.5555/example.2019.0042",
                                                  "pmid:31000001"]
    unidentified = parse_reference(1, "Doe J. Pain.")
    assert retraction_keys(unidentified.doi, unidentified.pmid) == []


def test_report_is_deterministic_and_ordered_text_first_then_references():
    body = "Give 10 mg daily. See [9] and [0]. Buy at https://shop.example.com now."
    refs = [DOE, "Poe E. Pain. 1990.", DOE]
    first, second = run(body=body, refs=refs), run(body=body, refs=refs)
    assert first == second
    assert codes(first) == [
        "claim-uncited", "marker-unresolved", "marker-malformed", "link-unlisted",
        "reference-uncited", "reference-uncited", "reference-unidentified", "reference-stale",
        "reference-duplicate", "reference-uncited",
    ]


def test_finding_key_is_stable_when_other_text_moves():
    body = CLEAN_BODY + " Avoid NSAIDs."
    before = run(body=body).findings[0]
    after = run(body="Aspirin helps [1].\n\n" + body).findings[-1]
    assert before.key == after.key and before.offset != after.offset
    assert before.key.startswith("claim-uncited::")


def test_finding_keys_differ_by_sentence_marker_and_reference():
    findings = [
        Finding("claim-uncited", WARNING, "m", sentence="Avoid NSAIDs."),
        Finding("claim-uncited", WARNING, "m", sentence="Avoid aspirin."),
        Finding("marker-unresolved", ERROR, "m", marker="[7]", sentence="See [7]."),
        Finding("reference-uncited", WARNING, "m", reference=3),
        Finding("reference-uncited", WARNING, "m", reference=4),
    ]
    assert len({finding.key for finding in findings}) == len(findings)


def test_report_summary_errors_and_json_shape():
    old_roe = ROE.replace("2023", "2001")
    report = run(body=CLEAN_BODY + " See [9]. Avoid NSAIDs.", refs=[DOE, old_roe])
    assert report.summary() == {"error": 1, "warning": 1, "info": 1}
    assert [finding.code for finding in report.errors] == ["marker-unresolved"]
    document = json.loads(json.dumps(report.to_json()))
    assert set(document) == {"findings", "summary"}
    assert document["summary"] == {"error": 1, "warning": 1, "info": 1}
    for finding in document["findings"]:
        assert set(finding) == {"code", "severity", "message", "reference", "marker", "sentence"}
    assert document["findings"][0]["marker"] == "[9]"


def test_empty_report_json():
    assert run().to_json() == {"findings": [], "summary": {"error": 0, "warning": 0, "info": 0}}


# -- properties --------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from([
    "Give 10 mg daily", " [1]", "[2-3]", "[5-3]", "[19]–[21]", ". ", "\n\n", "\n- ", "# ",
    "| a | 1 g |\n", "`x [4]`", "```\n", "https://shop.example.com/a", "[t](https://x.org)",
    "Dr. Smith et al.", " should ", "30%", "p < 0.05", "<!--", "-->", "\r\n", "    ", "[0]",
    "[1,,2]", "e.g.,", "(", ")", "[", "]",
])
BODIES = st.one_of(st.text(max_size=300), st.lists(FRAGMENTS, max_size=40).map("".join))
REFERENCE_TEXTS = st.one_of(
    st.text(max_size=120),
    st.sampled_from([DOE, ROE, "ISBN 978-0-306-40615-8", "doi:10.12/x", "javascript:x",
                     "https://doi.org/", "PMID: 0", "PMCID: PMC1 ISSN 0378-5955 (1999)", ""]),
)
NOTICES = st.dictionaries(
    st.sampled_from(["doi:10.1136/bmj.m1", "pmid:31000001", "pmid:0", "x"]),
    st.builds(Retraction, st.sampled_from(["Retraction", "Expression of concern",
                                           "Correction", "Reinstatement", "", "other"]),
              st.text(max_size=10), st.text(max_size=20), st.text(max_size=10)),
)
SETTINGS = st.builds(Settings, st.integers(-5, 60),
                     st.lists(st.sampled_from(["nice.org.uk", "", ".", "https://x.org/",
                                               "WHO.INT", "shop.example.com"])).map(tuple))


@settings(deadline=None, max_examples=150)
@given(BODIES, st.lists(REFERENCE_TEXTS, max_size=8), NOTICES, st.dates(), SETTINGS)
def test_any_body_and_reference_list_give_a_report(body, refs, notices, today, options):
    report = check(body, refs, notices, today, options)
    assert isinstance(report, Report)
    document = json.loads(json.dumps(report.to_json()))
    assert sum(document["summary"].values()) == len(document["findings"])
    for finding in report.findings:
        assert finding.code in CODES and finding.severity == CODES[finding.code]
        assert finding.reference is None or 1 <= finding.reference <= len(refs)
    assert len({finding.key for finding in report.findings}) == len(report.findings)


@st.composite
def cited_articles(draw):
    count = draw(st.integers(0, 8))
    groups = draw(st.lists(st.lists(st.integers(1, 12), min_size=1, max_size=4), max_size=10))
    order = draw(st.permutations(range(count)))
    return count, groups, order


def _article(groups: list[list[int]]) -> str:
    return " ".join(f"Finding {index} was seen [{', '.join(map(str, group))}]."
                    for index, group in enumerate(groups))


@settings(deadline=None)
@given(cited_articles())
def test_renumbering_references_consistently_keeps_unresolved_markers(article):
    count, groups, order = article
    refs = [f"Author{number} A. Study {number}. PMID: {1000 + number}"
            for number in range(1, count + 1)]
    new_number = {old: order[old - 1] + 1 for old in range(1, count + 1)}
    permuted_refs = [""] * count
    for old, new in new_number.items():
        permuted_refs[new - 1] = refs[old - 1]
    renumbered = [[new_number.get(number, number) for number in group] for group in groups]

    def unresolved(body: str, reference_list: list[str]) -> set[int]:
        starts = [marker.start for marker in find_markers(body)]
        report = check(body, reference_list, {}, TODAY, Settings())
        return {starts.index(finding.offset) for finding in report.findings
                if finding.code == "marker-unresolved"}

    def uncited(body: str, reference_list: list[str]) -> set[str]:
        report = check(body, reference_list, {}, TODAY, Settings())
        return {reference_list[finding.reference - 1] for finding in report.findings
                if finding.code == "reference-uncited"}

    body, permuted_body = _article(groups), _article(renumbered)
    assert unresolved(body, refs) == unresolved(permuted_body, permuted_refs)
    assert uncited(body, refs) == uncited(permuted_body, permuted_refs)


def test_long_article_with_many_references_is_checked():
    rng = random.Random(4)
    sentences = ["Paracetamol 1 g every 6 hours is first-line [{n}].",
                 "Dr. Smith et al. found no difference.", "Avoid NSAIDs [{n}]–[{m}]."]
    body = "\n\n".join(" ".join(rng.choice(sentences).format(n=n, m=n + 1)
                                for n in range(start, start + 5))
                       for start in range(1, 295, 5))
    refs = [f"Author{n} A. Study. BMJ. 2024;1:{n}. doi:10.1136/bmj.{n}" for n in range(1, 301)]
    report = run(body=body, refs=refs)
    assert {finding.code for finding in report.findings} <= {"reference-uncited"}
