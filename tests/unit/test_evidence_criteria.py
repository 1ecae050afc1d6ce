"""The criteria table of the evidence bag (evidence/criteria.py): each status
follows from the bag's facts."""

from reviewapp.evidence.criteria import assess


def _bag(**changes) -> dict:
    bag = {
        "revisions": [{"number": 1, "state": "approved", "public": True, "references": 2,
                       "audience_versions": [{"audience": "patient", "title": "For you"}],
                       "citation_report": {"findings": [
                           {"key": "marker-unresolved:9", "severity": "error"}]}}],
        "waivers": [{"finding": "marker-unresolved:9"}],
        "signatures": [{"revision": 1, "valid": True}, {"revision": 1, "valid": True}],
        "approvals": [{"seq": 9}],
        "competing_interests": [{"state": "completed", "competing_interests": "none"},
                                {"state": "declined", "competing_interests": None}],
        "review_dates": {"last_reviewed": "2026-01-02T03:04:05Z",
                         "next_review_due": "2027-01-02", "interval_days": 365},
        "reader_reports": [], "reader_questions": [],
        "audit": {"events": [{"seq": 9}]},
        "provenance": {"available": True},
    }
    bag.update(changes)
    return bag


def _statuses(bag) -> dict[str, str]:
    return {row["criterion"].split(":")[0]: row["status"] for row in assess(bag)}


def test_a_fully_evidenced_article():
    statuses = _statuses(_bag())
    assert len(statuses) == 18
    assert statuses["Evidence"] == "present"  # its one error was waived
    assert statuses["Versions for other readers (here audience versions) stay clinically "
                    "accurate"] == "present"
    assert statuses["Openness about conflicts of interest"] == "present"  # declined: none owed
    assert statuses["Feedback"] == "partly"  # the forms are there, nobody wrote yet
    assert {statuses[name] for name in ("Training", "Need", "Impact")} == {"missing"}
    rows = {row["criterion"]: row for row in assess(_bag())}
    assert rows["Based on high-quality clinical evidence"]["evidence"] == (
        "2 reference(s), checked automatically; 1 error(s) waived by an editor with a reason.")


def test_an_invalid_signature_an_unwaived_error_and_a_missing_declaration_are_partly():
    bag = _bag(signatures=[{"revision": 1, "valid": True}, {"revision": 1, "valid": False}],
               waivers=[],
               competing_interests=[{"state": "completed", "competing_interests": "none"},
                                    {"state": "accepted", "competing_interests": None}])
    statuses = _statuses(bag)
    assert statuses["A documented process of checking and approval, clinical approval "
                    "included"] == "partly"
    assert statuses["Reviewed and approved by experts"] == "partly"
    assert statuses["Evidence"] == "partly"
    assert statuses["Openness about conflicts of interest"] == "partly"
    rows = {row["criterion"]: row for row in assess(bag)}
    assert rows["Based on high-quality clinical evidence"]["evidence"].startswith(
        "2 reference(s); 1 citation error(s) neither fixed nor waived")


def test_reader_feedback_acted_on_is_feedback_present_and_users_partly_involved():
    statuses = _statuses(_bag(reader_questions=[{"status": "answered"}],
                              reader_reports=[{"status": "open"}]))
    assert statuses["Feedback"] == "present"
    assert statuses["Involving users"] == "partly"
