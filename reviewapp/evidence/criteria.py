"""Which evidence in the bag answers each PIF TICK criterion and each essential
item of NHS England's Standard for Creating Health Content, and how fully:
"present", "partly" or "missing", computed from the bag's facts (bag.py).

The one place for this mapping. The wording is ours, a short paraphrase of
what an assessor looks for, not the schemes' own text. Pure.
"""

PRESENT, PARTLY, MISSING = "present", "partly", "missing"
PIF_TICK, NHS_STANDARD = "PIF TICK", "NHS England standard"
NOT_RECORDED = "reviewapp does not record this; keep the evidence elsewhere."


def _approved(bag: dict) -> dict | None:
    """The revision readers see, or None."""
    return next((r for r in bag["revisions"] if r["public"]), None)


def _valid_signers(bag: dict, revision: dict | None) -> list[dict]:
    if revision is None:
        return []
    return [s for s in bag["signatures"] if s["revision"] == revision["number"]]


def _errors(bag: dict, revision: dict | None) -> tuple[int, int]:
    """(waived, unwaived) error findings in the revision's citation report."""
    report = revision and revision["citation_report"]
    if not report:
        return 0, 0
    waived = {waiver["finding"] for waiver in bag["waivers"]}
    errors = [f for f in report["findings"] if f.get("severity") == "error"]
    held = len([f for f in errors if f.get("key") in waived])
    return held, len(errors) - held


def _row(scheme, criterion, status, evidence, where=()) -> dict:
    return {"scheme": scheme, "criterion": criterion, "status": status,
            "evidence": evidence, "sections": list(where)}


def _approval(bag, approved):
    signers = _valid_signers(bag, approved)
    if approved is None or not bag["approvals"]:
        return MISSING, "No approved revision: the checking and approval are not complete."
    if signers and all(s["valid"] for s in signers):
        return PRESENT, (f"Revision {approved['number']} approved after review rounds, "
                         f"signed by {len(signers)} reviewer(s); every signature still "
                         "matches the content.")
    return PARTLY, "Approved, but a signature is missing or no longer matches the content."


def _review_cycle(bag):
    dates = bag["review_dates"]
    if not dates["next_review_due"]:
        return MISSING, "Not approved yet, so no review cycle has started."
    return PRESENT, (f"Last reviewed {dates['last_reviewed'][:10]}; next review due "
                     f"{dates['next_review_due']} (every {dates['interval_days']} days, "
                     "three years at most).")


def _evidence_base(bag, approved):
    if approved is None or not approved["citation_report"]:
        return MISSING, "No checked reference list on an approved revision."
    waived, unwaived = _errors(bag, approved)
    if approved["references"] and not unwaived:
        return PRESENT, (f"{approved['references']} reference(s), checked automatically; "
                         f"{waived} error(s) waived by an editor with a reason.")
    return PARTLY, (f"{approved['references']} reference(s); {unwaived} citation error(s) "
                    "neither fixed nor waived.")


def _checked_each_time(bag):
    frozen = [r for r in bag["revisions"] if r["state"] != "draft"]
    if not frozen:
        return MISSING, "No revision has been submitted for review yet."
    checked = [r for r in frozen if r["citation_report"]]
    status = PRESENT if len(checked) == len(frozen) else PARTLY if checked else MISSING
    return status, (f"{len(checked)} of {len(frozen)} submitted revision(s) carry a "
                    "citation report.")


def _interests(bag):
    accepted = [d for d in bag["competing_interests"]
                if d["state"] in ("accepted", "completed")]
    declared = [d for d in accepted if d["competing_interests"]]
    if not accepted:
        return MISSING, "No reviewer has accepted an invitation yet."
    status = PRESENT if len(declared) == len(accepted) else PARTLY if declared else MISSING
    return status, f"{len(declared)} of {len(accepted)} reviewer(s) made a declaration."


def _versions(bag, approved):
    versions = approved["audience_versions"] if approved else []
    if not versions:
        return MISSING, "No audience versions: only the main text was written and approved."
    status, _ = _approval(bag, approved)
    return (PRESENT if status == PRESENT else PARTLY), (
        f"{len(versions)} audience version(s) are covered by the content hash the "
        "reviewers signed.")


def _feedback(bag, public):
    heard = len(bag["reader_reports"]) + len(bag["reader_questions"])
    if not public:
        return MISSING, "Not public: readers cannot report a problem or ask yet."
    if heard:
        return PRESENT, (f"The page asks readers for problems and questions; "
                         f"{len(bag['reader_reports'])} report(s) and "
                         f"{len(bag['reader_questions'])} question(s), each with its outcome.")
    return PARTLY, "The page asks readers for problems and questions; none received yet."


def assess(bag: dict) -> list[dict]:
    """The table rows, PIF TICK's ten criteria first, then the NHS standard's items."""
    approved = _approved(bag)
    public = bag["provenance"]["available"]
    approval, approval_text = _approval(bag, approved)
    evidence, evidence_text = _evidence_base(bag, approved)
    cycle, cycle_text = _review_cycle(bag)
    feedback, feedback_text = _feedback(bag, public)
    versions, versions_text = _versions(bag, approved)
    has_events = bool(bag["audit"]["events"])
    involved = [q for q in bag["reader_questions"] if q["status"] != "open"] + [
        r for r in bag["reader_reports"] if r["status"] != "open"]
    return [
        _row(PIF_TICK, "Systems: a written, followed process for producing information",
             approval if has_events else MISSING,
             f"{len(bag['audit']['events'])} audit event(s) trace the article's steps; "
             + approval_text, ("audit", "review_rounds", "approvals")),
        _row(PIF_TICK, "Training: the people producing information are trained for it",
             MISSING, NOT_RECORDED),
        _row(PIF_TICK, "Need: the information answers a need that was identified",
             MISSING, NOT_RECORDED),
        _row(PIF_TICK, "Evidence: content rests on reliable, up-to-date sources",
             evidence, evidence_text, ("revisions", "waivers")),
        _row(PIF_TICK, "Involving users: readers help shape the information",
             PARTLY if involved else MISSING,
             (f"{len(involved)} reader report(s) or question(s) acted on. " if involved
              else "No reader feedback acted on yet. ")
             + "Involving users while writing is not recorded by reviewapp.",
             ("reader_reports", "reader_questions")),
        _row(PIF_TICK, "Health inequalities: the information reaches people with "
             "different needs", PARTLY if versions != MISSING else MISSING,
             versions_text + " Other work on inequalities is not recorded by reviewapp.",
             ("revisions",)),
        _row(PIF_TICK, "Content and design: clear, dated and easy to use",
             cycle if public else MISSING,
             ("The page shows its last reviewed, last updated and next review dates. "
              if public else "Not public. ") + "Readability testing is not recorded.",
             ("review_dates",)),
        _row(PIF_TICK, "Feedback: readers can comment and their comments are handled",
             feedback, feedback_text, ("reader_reports", "reader_questions")),
        _row(PIF_TICK, "Disseminating: the information is made available to those who "
             "need it", PARTLY if public else MISSING,
             ("Published on the site, in the read API and with signed provenance. "
              if public else "Not public. ") + "Other channels are not recorded.",
             ("provenance",)),
        _row(PIF_TICK, "Impact: the effect of the information is measured",
             MISSING, NOT_RECORDED),
        _row(NHS_STANDARD, "A documented process of checking and approval, clinical "
             "approval included", approval, approval_text,
             ("review_rounds", "signatures", "approvals", "audit")),
        _row(NHS_STANDARD, "A planned cycle of review", cycle, cycle_text, ("review_dates",)),
        _row(NHS_STANDARD, "The publishing organisation is stated",
             PRESENT if public else MISSING,
             "The signed provenance names the site that published the page."
             if public else bag["provenance"]["reason"], ("provenance",)),
        _row(NHS_STANDARD, "Openness about conflicts of interest", *_interests(bag),
             ("competing_interests",)),
        _row(NHS_STANDARD, "Based on high-quality clinical evidence", evidence, evidence_text,
             ("revisions", "waivers")),
        _row(NHS_STANDARD, "Reviewed and approved by experts", approval, approval_text,
             ("signatures", "review_rounds")),
        _row(NHS_STANDARD, "The evidence is checked at each review and update",
             *_checked_each_time(bag), ("revisions",)),
        _row(NHS_STANDARD, "Versions for other readers (here audience versions) stay "
             "clinically accurate", versions, versions_text, ("revisions", "signatures")),
    ]
