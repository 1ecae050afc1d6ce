"""`flask --app reviewapp citations check FILE [--format json]` on real PLOS articles,
damaged copies of them, Markdown files, and against the imported retraction list."""

import copy
import json
import re
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import CORPUS

PLOS = CORPUS / "plos"
SAMPLE_CSV = CORPUS / "retractions-sample.csv"
PLOS_FILES = sorted(PLOS.glob("*.xml")) if PLOS.is_dir() else []
needs_plos = pytest.mark.skipif(not PLOS_FILES, reason=f"{PLOS} is absent (the shared corpus "
                                                       "is only present in CI)")
needs_sample = pytest.mark.skipif(not SAMPLE_CSV.is_file(), reason=f"{SAMPLE_CSV} is absent")

CODES = {"marker-unresolved", "marker-malformed", "reference-uncited", "reference-order",
         "identifier-invalid", "identifier-suspicious", "reference-duplicate",
         "reference-retracted",
         "reference-concern", "reference-corrected", "reference-unidentified",
         "reference-stale", "claim-uncited", "no-references", "link-unlisted"}
FINDING_KEYS = {"code", "severity", "message", "reference", "marker", "sentence"}
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
BETWEEN_XREFS = re.compile(rf"^\s*\]?\s*[{DASHES}]\s*\[?\s*$")
IN_ONE_XREF = re.compile(rf"(\d+)\s*[{DASHES}]\s*(\d+)")


# -- running the command ------------------------------------------------------------------

def check(app, path, *options):
    return app.test_cli_runner().invoke(args=["citations", "check", str(path), *options])


def check_json(app, path) -> tuple[int, dict]:
    result = check(app, path, "--format", "json")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output, result.exception)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        pytest.fail(f"--format json did not print one JSON object: {result.output[:2000]!r}")
    assert_design_shape(report)
    assert result.exit_code == (1 if report["summary"]["error"] else 0), result.output[-2000:]
    return result.exit_code, report


def assert_design_shape(report: dict) -> None:
    """Exactly the object of DESIGN §4."""
    assert isinstance(report, dict) and set(report) == {"findings", "summary"}
    assert isinstance(report["findings"], list)
    counts = {"error": 0, "warning": 0, "info": 0}
    for finding in report["findings"]:
        assert set(finding) == FINDING_KEYS, finding
        assert finding["code"] in CODES, finding
        assert finding["severity"] in counts, finding
        assert isinstance(finding["message"], str) and finding["message"].strip(), finding
        reference = finding["reference"]
        assert reference is None or (type(reference) is int and reference >= 1), finding
        assert finding["marker"] is None or isinstance(finding["marker"], str), finding
        assert finding["sentence"] is None or isinstance(finding["sentence"], str), finding
        counts[finding["severity"]] += 1
    assert report["summary"] == counts


def codes(report: dict) -> list[str]:
    return [finding["code"] for finding in report["findings"]]


def uncited(report: dict) -> set[int]:
    return {f["reference"] for f in report["findings"] if f["code"] == "reference-uncited"}


# -- what the XML itself says, computed without the app's parser ----------------------------

def xml_refs(root) -> list:
    return root.xpath("/article/back//ref-list/ref")


def xml_uncited(root) -> set[int]:
    """Reference numbers (back/ref-list order) that no <xref ref-type="bibr"> cites, counting
    the numbers inside printed ranges: "[8–10]" in one xref, "[19]–[21]" between two."""
    refs = xml_refs(root)
    position = {ref.get("id"): number for number, ref in enumerate(refs, start=1)}
    cited: set[int] = set()
    for xref in root.xpath("//xref[@ref-type='bibr']"):
        targets = [position[rid] for rid in (xref.get("rid") or "").split() if rid in position]
        cited.update(targets)
        printed = IN_ONE_XREF.search("".join(xref.itertext()))
        if printed and len(targets) == 1 and int(printed[2]) > int(printed[1]):
            cited.update(range(targets[0], targets[0] + int(printed[2]) - int(printed[1]) + 1))
        following = xref.getnext()
        if (following is not None and following.tag == "xref"
                and following.get("ref-type") == "bibr"
                and BETWEEN_XREFS.match(xref.tail or "")):
            before, after = (xref.get("rid") or "").split(), (following.get("rid") or "").split()
            first = position.get(before[-1]) if before else None
            last = position.get(after[0]) if after else None
            if first and last and last > first:
                cited.update(range(first, last + 1))
    return set(range(1, len(refs) + 1)) - cited


def dangling_xrefs(root) -> list:
    ids = {ref.get("id") for ref in xml_refs(root)}
    return [x for x in root.xpath("//xref[@ref-type='bibr']")
            if any(rid not in ids for rid in (x.get("rid") or "").split())]


def write_xml(root, path: Path) -> Path:
    path.write_bytes(etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8"))
    return path


def plos_with_refs() -> list[Path]:
    return [f for f in PLOS_FILES if xml_refs(etree.parse(str(f)).getroot())]


# -- the published articles ------------------------------------------------------------------

@needs_plos
def test_the_corpus_is_what_the_tests_expect():
    assert len(PLOS_FILES) >= 5
    with_refs = plos_with_refs()
    assert len(with_refs) >= 3
    # The independent computation sees the ranges: without them, 0030132 would have more.
    ranged = PLOS / "journal.pmed.0030132.xml"
    if ranged.exists():
        root = etree.parse(str(ranged)).getroot()
        assert 9 not in xml_uncited(root)  # cited only through "8–10"


@needs_plos
@pytest.mark.parametrize("path", PLOS_FILES, ids=lambda p: p.stem)
def test_published_plos_article(app, path):
    root = etree.parse(str(path)).getroot()
    exit_code, report = check_json(app, path)
    assert "marker-unresolved" not in codes(report)
    assert "marker-malformed" not in codes(report)
    assert uncited(report) == xml_uncited(root)
    if not xml_refs(root):
        assert not [f for f in report["findings"] if f["reference"] is not None]

    text = check(app, path)
    assert text.exception is None or isinstance(text.exception, SystemExit)
    assert text.exit_code == exit_code
    assert "Traceback" not in text.output
    for code in set(codes(report)):
        assert code in text.output, code
    for finding in report["findings"]:
        if finding["code"] == "reference-uncited":
            assert finding["message"] in text.output


def _remove_ref(root, which: str) -> int:
    """Remove a reference that the text cites; its number."""
    refs = xml_refs(root)
    cited = [n for n in range(1, len(refs) + 1) if n not in xml_uncited(root)]
    number = {"first": cited[0], "middle": cited[len(cited) // 2], "last": cited[-1]}[which]
    ref = refs[number - 1]
    ref.getparent().remove(ref)
    return number


@needs_plos
@pytest.mark.parametrize("which", ["first", "middle", "last"])
@pytest.mark.parametrize("path", plos_with_refs() if PLOS_FILES else [], ids=lambda p: p.stem)
def test_a_copy_with_a_cited_reference_removed_is_caught(app, tmp_path, path, which):
    root = etree.parse(str(path)).getroot()
    removed = _remove_ref(root, which)
    assert dangling_xrefs(root), "the removed reference was cited"
    exit_code, report = check_json(app, write_xml(root, tmp_path / path.name))
    # Citations of a reference that is no longer in the list point at nothing
    # (or, where the xref was one end of a printed range, make the range run backwards).
    assert {"marker-unresolved", "marker-malformed"} & set(codes(report)), \
        (removed, report["findings"][:5])
    assert exit_code == 1


def _xref_cited_only_there(root):
    """An xref whose target no other citation (or range) covers, and that target's number."""
    refs = xml_refs(root)
    position = {ref.get("id"): n for n, ref in enumerate(refs, start=1)}
    for xref in root.xpath("//xref[@ref-type='bibr']"):
        rids = (xref.get("rid") or "").split()
        if len(rids) != 1 or rids[0] not in position or IN_ONE_XREF.search(
                "".join(xref.itertext())):
            continue
        trial = copy.deepcopy(root)
        twin = trial.xpath("//xref[@ref-type='bibr']")[root.xpath(
            "//xref[@ref-type='bibr']").index(xref)]
        twin.getparent().remove(twin)
        if position[rids[0]] in xml_uncited(trial):
            return xref, position[rids[0]]
    return None, None


@needs_plos
@pytest.mark.parametrize("path", plos_with_refs() if PLOS_FILES else [], ids=lambda p: p.stem)
def test_a_copy_with_a_marker_renumbered_to_another_reference_is_caught(app, tmp_path, path):
    root = etree.parse(str(path)).getroot()
    before = xml_uncited(root)
    xref, number = _xref_cited_only_there(root)
    if xref is None:  # every reference is cited at least twice: renumber the first marker
        xref = root.xpath("//xref[@ref-type='bibr']")[0]
        number = None
    refs = xml_refs(root)
    other = refs[0] if xref.get("rid") != refs[0].get("id") else refs[1]
    xref.set("rid", other.get("id"))
    expected = xml_uncited(root)
    _, report = check_json(app, write_xml(root, tmp_path / path.name))
    assert uncited(report) == expected
    if number is not None:
        assert number in uncited(report) and expected != before


def _in_a_range(xref) -> bool:
    """Part of "[19]–[21]" (a renumbered end would make the range reversed instead)."""
    before = xref.getprevious()
    return bool(BETWEEN_XREFS.match(xref.tail or "")) or (
        before is not None and before.tag == "xref" and bool(
            BETWEEN_XREFS.match(before.tail or "")))


@needs_plos
@pytest.mark.parametrize("path", plos_with_refs() if PLOS_FILES else [], ids=lambda p: p.stem)
def test_a_copy_with_a_marker_renumbered_past_the_list_is_caught(app, tmp_path, path):
    root = etree.parse(str(path)).getroot()
    count = len(xml_refs(root))
    xref = next(x for x in root.xpath("//xref[@ref-type='bibr']") if not _in_a_range(x))
    prefix = re.sub(r"\d+$", "", xref.get("rid"))
    # Both the target and the printed number move past the end of the list.
    xref.set("rid", f"{prefix}{count + 5}")
    for child in list(xref):
        xref.remove(child)
    xref.text = f"[{count + 5}]" if (xref.text or "").startswith("[") else str(count + 5)
    exit_code, report = check_json(app, write_xml(root, tmp_path / path.name))
    unresolved = [f for f in report["findings"] if f["code"] == "marker-unresolved"]
    assert unresolved and str(count + 5) in unresolved[0]["marker"]
    assert exit_code == 1


@needs_plos
@pytest.mark.parametrize("path", plos_with_refs() if PLOS_FILES else [], ids=lambda p: p.stem)
def test_a_copy_with_a_marker_pointing_at_a_missing_id_is_caught(app, tmp_path, path):
    """The rid names no reference; the printed number is left as it was."""
    root = etree.parse(str(path)).getroot()
    xref = root.xpath("//xref[@ref-type='bibr']")[0]
    xref.set("rid", xref.get("rid") + "-missing")
    assert dangling_xrefs(root)
    exit_code, report = check_json(app, write_xml(root, tmp_path / path.name))
    # Reported as an error either way: a marker that points at no reference, or,
    # when the xref was one end of a printed range, a range that runs backwards.
    assert {"marker-unresolved", "marker-malformed"} & set(codes(report)), \
        report["findings"][:5]
    assert exit_code == 1


# -- Markdown --------------------------------------------------------------------------------

CLEAN_MD = """# Ibuprofen for acute low back pain

Ibuprofen relieves acute low back pain in adults [1]. Heat wraps help some people [2].

## References

1. Doe J, Roe R. Ibuprofen for acute low back pain. BMJ. 2024;384:e1. doi:10.1136/bmj.2024.1
2. Poe P. Heat wraps for low back pain. Lancet. 2023;401:10. PMID: 37000001
"""


def test_clean_markdown_exits_0(app, tmp_path):
    path = tmp_path / "clean.md"
    path.write_text(CLEAN_MD, encoding="utf-8")
    exit_code, report = check_json(app, path)
    assert exit_code == 0 and report["summary"]["error"] == 0
    assert "reference-uncited" not in codes(report)
    result = check(app, path)
    assert result.exit_code == 0, result.output


def test_markdown_citing_a_missing_reference_exits_1(app, tmp_path):
    path = tmp_path / "missing.md"
    path.write_text(CLEAN_MD.replace("help some people [2]", "help some people [3]"),
                    encoding="utf-8")
    exit_code, report = check_json(app, path)
    assert exit_code == 1
    unresolved = [f for f in report["findings"] if f["code"] == "marker-unresolved"]
    assert len(unresolved) == 1
    assert unresolved[0]["marker"] == "[3]" and unresolved[0]["severity"] == "error"
    assert "Heat wraps help some people [3]." in unresolved[0]["sentence"]
    assert uncited(report) == {2}

    text = check(app, path)
    assert text.exit_code == 1
    assert "marker-unresolved" in text.output and "[3]" in text.output
    assert "reference-uncited" in text.output


# -- screening against the retraction list in the configured database -------------------

def _screened(tmp_path, doi_or_pmid: str) -> Path:
    path = tmp_path / "screened.md"
    path.write_text(f"""# Pain after spine surgery

Pregabalin was studied after lumbar fusion [1].

## References

1. Sample A, Sample B. A perioperative trial. J Example Anesth. 2024;12:1-9. {doi_or_pmid}
""", encoding="utf-8")
    return path


def _import_sample(app):
    result = app.test_cli_runner().invoke(args=["retractions", "import", str(SAMPLE_CSV)])
    assert result.exit_code == 0, result.output
    return result


@needs_sample
@pytest.mark.parametrize("identifier,code,severity", [
    ("doi:10.5555/EXAMPLE.2019.0042", "reference-retracted", "error"),
    ("https://doi.org/10.5555/example.2019.0042", "reference-retracted", "error"),
    ("PMID: 29000004", "reference-retracted", "error"),  # the row without a DOI
    ("doi:10.5555/epr.2021.117", "reference-concern", "warning"),
    ("doi:10.5555/en.2020.31", "reference-corrected", "info"),
])
def test_screening_against_the_imported_retraction_list(app, tmp_path, identifier, code,
                                                        severity):
    path = _screened(tmp_path, identifier)
    _, before = check_json(app, path)
    assert code not in codes(before)

    _import_sample(app)
    exit_code, report = check_json(app, path)
    found = [f for f in report["findings"] if f["code"] == code]
    assert len(found) == 1, report["findings"]
    assert found[0]["severity"] == severity and found[0]["reference"] == 1
    assert exit_code == (1 if severity == "error" else 0)
    text = check(app, path)
    assert text.exit_code == exit_code and code in text.output


@needs_sample
def test_an_unrelated_doi_is_not_screened_out(app, tmp_path):
    _import_sample(app)
    _, report = check_json(app, _screened(tmp_path, "doi:10.5555/example.2019.00421"))
    assert not {"reference-retracted", "reference-concern"} & set(codes(report))


# -- bad input -------------------------------------------------------------------------------

def _assert_clear_failure(result, name: str) -> None:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    assert "Traceback" not in result.output
    assert name in result.output, result.output


def test_a_missing_file_is_a_clear_error(app, tmp_path):
    for options in ((), ("--format", "json")):
        result = check(app, tmp_path / "no-such-article.md", *options)
        _assert_clear_failure(result, "no-such-article.md")


@pytest.mark.parametrize("content", [
    b"this is not XML at all \x00\xff",
    b"<?xml version='1.0'?><article><front>",
    b"<?xml version='1.0'?><html><body>Not JATS</body></html>",
])
def test_a_file_that_is_not_jats_is_a_clear_error(app, tmp_path, content):
    path = tmp_path / "garbage.xml"
    path.write_bytes(content)
    for options in ((), ("--format", "json")):
        _assert_clear_failure(check(app, path, *options), "garbage.xml")


def test_an_unknown_format_is_refused(app, tmp_path):
    path = tmp_path / "clean.md"
    path.write_text(CLEAN_MD, encoding="utf-8")
    result = check(app, path, "--format", "yaml")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
