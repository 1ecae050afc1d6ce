"""Audience versions in the citation checks and the claim list (issue 17): each version's
title, key points and body are checked against the revision's one reference list, every
finding naming the version and the part it is in; a reference counts as cited when any
text cites it; claims of versions have keys naming the audience, and a revision without
versions is checked and listed exactly as before."""

from datetime import date

from reviewapp.citations.engine import (
    Finding,
    Settings,
    VersionText,
    check,
    list_claims,
    revision_claims,
)
from reviewapp.citations.finding_advice import locate, shown_findings

TODAY = date(2026, 5, 1)
DOE = "Doe J. Paracetamol for pain. BMJ. 2024;368:m1. doi:10.1136/bmj.m1"
ROE = "Roe A. Ibuprofen for pain. Lancet. 2023;401:2. PMID: 31000001"
REFS = [DOE, ROE]
MAIN = "Paracetamol 1 g every 6 hours is first-line for mild pain [1]. It is cheap."


def version(body="Paracetamol eases pain [1].", key_points="", title="Pain relief",
            audience="patient", label="Patient or carer", ease_min=None, grade_max=None):
    return VersionText(audience, label, title, key_points, body, ease_min, grade_max)


def run(body=MAIN, refs=REFS, versions=(), **options):
    return check(body, refs, {}, TODAY, Settings(**options), versions)


def located(report):
    return [(f.code, f.audience, f.place) for f in report.findings]


def test_without_versions_the_report_is_as_before():
    body = "Take 10 mg twice daily. See [3]."
    assert run(body).findings == check(body, REFS, {}, TODAY, Settings()).findings
    assert all(f.audience is None and f.place is None for f in run(body).findings)
    # Main-text keys keep their form ("code:reference:marker:digest"), so earlier waivers
    # still match.
    (unresolved,) = [f for f in run(body).findings if f.code == "marker-unresolved"]
    assert unresolved.key.startswith("marker-unresolved::[3]:")


def test_each_part_of_a_version_is_checked_and_named():
    report = run(versions=[version(
        title="Pain relief [9]", key_points="- Take 10 mg twice daily.\n",
        body="Paracetamol eases pain [1]. See [2,,3].")])
    assert located(report) == [
        ("marker-unresolved", "patient", "Patient or carer version, title"),
        ("claim-uncited", "patient", "Patient or carer version, key points"),
        ("marker-malformed", "patient", "Patient or carer version, body"),
    ]
    unresolved = report.findings[0]
    # The message says where it is wherever it is read (the blocked list, a refusal).
    assert unresolved.message == ("Patient or carer version, title: Marker [9] points at no "
                                  "reference (the list has 2).")
    assert unresolved.key.startswith("marker-unresolved@patient:")


def test_the_same_problem_in_the_main_text_and_a_version_are_two_findings():
    text = "Take 10 mg twice daily."
    report = run(body=text, versions=[version(body=text)])
    uncited = [f for f in report.findings if f.code == "claim-uncited"]
    assert [(f.audience, f.sentence) for f in uncited] == [(None, text), ("patient", text)]
    assert uncited[0].key != uncited[1].key


def test_a_reference_cited_only_in_a_version_counts_as_cited():
    assert "reference-uncited" in [f.code for f in run().findings]   # [2] cited nowhere
    cited_in_version = run(versions=[version(body="Ibuprofen also helps [2].")])
    assert "reference-uncited" not in [f.code for f in cited_in_version.findings]


def test_the_order_is_main_text_then_versions_in_the_order_given_then_references():
    report = run(body="Take 5 mg daily. More in [7].", refs=REFS + ["Poe E. Old. 1990."],
                 versions=[version(body="Take 5 mg daily. More in [8]."),
                           version(audience="professional", label="Healthcare professional",
                                   body="Give 5 mg daily. More in [9].")])
    assert [(f.audience, f.code) for f in report.findings] == [
        (None, "claim-uncited"), (None, "marker-unresolved"),
        ("patient", "claim-uncited"), ("patient", "marker-unresolved"),
        ("professional", "claim-uncited"), ("professional", "marker-unresolved"),
        (None, "reference-uncited"), (None, "reference-uncited"), (None, "reference-uncited"),
        (None, "reference-unidentified"), (None, "reference-stale"),
    ]


def test_links_in_a_version_are_checked_against_the_references():
    report = run(versions=[version(body="Buy it at https://pills.example.com today [1].")])
    assert located(report)[:1] == [
        ("link-unlisted", "patient", "Patient or carer version, body")]


def test_a_version_with_claims_and_no_references_is_an_error_there():
    report = run(body="Paracetamol helps.", refs=[],
                 versions=[version(body="Take 10 mg twice daily.")])
    assert located(report) == [("no-references", "patient", "Patient or carer version, body")]


def test_reading_level_fires_only_for_an_audience_with_a_target():
    dense = ("Nonsteroidal anti-inflammatory pharmacotherapy demonstrates statistically "
             "significant attenuation of musculoskeletal nociception in heterogeneous "
             "randomised investigations [1].")
    report = run(versions=[
        version(body=dense, ease_min=60, grade_max=6),
        version(audience="professional", label="Healthcare professional", body=dense)])
    assert [(f.code, f.audience, f.place) for f in report.findings
            if f.code == "reading-level"] == [("reading-level", "patient",
                                               "Patient or carer version")]


def test_stored_form_keeps_the_version_and_older_rows_read_as_main_text():
    (finding,) = [f for f in run(versions=[version(body="See [5].")]).findings
                  if f.code == "marker-unresolved"]
    assert Finding.from_dict(finding.to_dict()) == finding
    old = {"key": "k", "code": "claim-uncited", "severity": "warning", "message": "m"}
    assert Finding.from_dict(old).audience is None and Finding.from_dict(old).place is None


def test_a_version_finding_is_not_placed_in_the_main_body_field():
    text = "Take 10 mg twice daily."
    report = run(body=text, versions=[version(body=text)])
    main, in_version = [f for f in report.findings if f.code == "claim-uncited"]
    assert locate(main, text, "\n".join(REFS)) is not None
    assert locate(in_version, text, "\n".join(REFS)) is None
    shown = shown_findings(report.findings, text, "\n".join(REFS))
    assert [item.location is None for item in shown if item.finding.code == "claim-uncited"] \
        == [False, True]


def test_claims_of_versions_follow_the_main_text_with_audience_keys():
    patient = version(key_points="- Take 10 mg twice daily.\n",
                      body="Paracetamol 1 g every 6 hours is first-line for mild pain [1].")
    professional = version(audience="professional", label="Healthcare professional",
                           body="Give 1 g every 6 hours [1, 2].")
    claims = revision_claims(MAIN, [patient, professional])
    assert [(c.number, c.audience, c.place, c.sentence) for c in claims] == [
        (1, None, None, "Paracetamol 1 g every 6 hours is first-line for mild pain [1]."),
        (2, "patient", "Patient or carer version", "Take 10 mg twice daily."),
        (3, "patient", "Patient or carer version",
         "Paracetamol 1 g every 6 hours is first-line for mild pain [1]."),
        (4, "professional", "Healthcare professional version",
         "Give 1 g every 6 hours [1, 2]."),
    ]
    main_key = claims[0].key
    assert main_key == list_claims(MAIN)[0].key          # unchanged by the versions
    assert claims[2].key == f"patient.{main_key}"         # same sentence, its own key
    assert claims[3].key.startswith("professional.") and claims[3].references == (1, 2)
    assert len({c.key for c in claims}) == 4


def test_without_versions_the_claims_are_the_main_texts():
    assert revision_claims(MAIN) == list_claims(MAIN)
    assert revision_claims(MAIN, []) == list_claims(MAIN)


def test_a_long_audience_key_still_gives_a_key_that_fits_the_column():
    long_key = "healthcare-professionals-in-training-x"   # 38 characters
    (claim,) = revision_claims("", [version(audience=long_key, body="Take 10 mg daily.")])
    assert len(claim.key) <= 40 and claim.audience == long_key
