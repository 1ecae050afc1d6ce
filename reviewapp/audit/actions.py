"""The registry of audit actions: every action the app records, with what it means.

Pure module. record() refuses an action that is not here, so the browser's
action filter and the completeness test know every action the log can hold.
An action is never removed once released, only marked retired, so that
filters keep finding old events.
"""

ACTIONS: dict[str, str] = {
    # Accounts
    "user.login": "Logged in (with two-factor sign-in on: the password was right, "
                  "user.two_factor_verified follows the code)",
    "user.login_failed": "Failed login or signature (wrong password, unknown email, "
                         "locked or deactivated account, per-address limit)",
    "user.locked": "Account locked after too many failed logins",
    "user.logout": "Logged out (every session of the user ended)",
    "user.session_expired": "Session ended after inactivity or its longest lifetime",
    "user.created": "User created",
    "user.roles_changed": "Roles changed",
    "user.specialties_changed": "Specialties changed",
    "user.profile_updated": "Public profile changed (credentials, specialty, ORCID iD, "
                            "biography), by the user or an admin: before and after",
    "user.deactivated": "User deactivated",
    "user.reactivated": "User reactivated",
    "user.password_changed": "Password changed",
    "user.two_factor_enabled": "Two-factor sign-in turned on (confirmed with a code; ten "
                               "recovery codes made)",
    "user.two_factor_verified": "Two-factor code accepted at login: the session started",
    "user.two_factor_failed": "Two-factor code or recovery code refused (wrong, already used, "
                              "or the account locked); a wrong one counts towards the lockout",
    "user.recovery_code_used": "Recovery code used instead of a two-factor code at login "
                               "(the session started; the code is spent)",
    "user.recovery_codes_regenerated": "New recovery codes made (the old ones no longer work)",
    "user.two_factor_disabled": "Two-factor sign-in turned off (password and code asked)",
    "user.password_reset_requested": "Password reset asked for (\"Forgot your password?\", "
                                     "the typed email in details; reason: link mailed, "
                                     "unknown email, deactivated, or a limit reached), or a "
                                     "set-password link mailed to a new user",
    "user.password_reset": "Password set from a mailed link (every session ended, lockout "
                           "cleared)",
    # Articles
    "article.created": "Article created (revision 1)",
    "article.draft_saved": "Draft saved",
    "article.submitted": "Submitted for review",
    "article.resubmitted": "Resubmitted after changes were requested",
    "article.withdrawn": "Withdrawn by the author",
    "article.rejected": "Rejected by an editor",
    "article.reopened": "Reopened as a draft by an editor",
    "article.revision_started": "Approved article revised: a new draft revision started",
    "article.approved": "Approved: the current revision became the public one (or, with "
                        "a \"Publish at\" still to come, was scheduled: scheduled_for in details)",
    # Scheduled publishing (issue 17)
    "article.publish_at_set": "The \"Publish at\" time set or changed by an editor (before and "
                              "after in details, UTC)",
    "article.publish_at_cleared": "The \"Publish at\" time cleared by an editor (a revision "
                                  "waiting for it is published at once)",
    "article.published": "A scheduled revision became the public one, once, at its time "
                         "(by the first request after it, `publish due`, or an editor)",
    "article.rereview_flagged": "Flagged for re-review: a cited work was retracted",
    "article.rereview_started": "Re-review started by an editor: a copy of the approved "
                                "revision went back to the board (the approved one stays "
                                "public)",
    # Reviews
    "assignment.created": "Reviewer invited",
    "assignment.accepted": "Invitation accepted, with the competing-interests declaration",
    "assignment.declined": "Invitation declined",
    "assignment.withdrawn": "Reviewer unassigned by an editor",
    "review.approved": "Revision approved and e-signed by a reviewer",
    "review.changes_requested": "Changes requested by a reviewer (with CHANGES_DECISION="
                                "editor a recommendation: the article stays Under Review "
                                "and the round waits on the editor's decision)",
    # Review rounds (issue 14)
    "article.changes_requested": "Changes requested by an editor's decision on a review "
                                 "round (the decision letter, the reason, mailed to the "
                                 "author; the round closed)",
    # Claim verdicts and supporting passages (issue 14 §4)
    "review.verdicts_saved": "A reviewer's verdicts on the claims of a revision saved "
                             "(each changed verdict and note before and after)",
    "claim.support_saved": "The author attached, changed or removed the source passage "
                           "supporting a claim (before and after)",
    # Comments on passages and responses to reviewers
    "comment.created": "A reviewer commented on a passage of a revision (the passage, its "
                       "place and whether it is confidential to the editor in details)",
    "comment.replied": "Reply added to a comment's thread",
    "comment.addressed": "The author marked a comment addressed (with an optional reply)",
    "comment.resolved": "The reviewer who wrote a comment resolved it",
    "comment.reanchored": "Comments found again in a resubmitted revision (details: found, "
                          "and no longer in the text)",
    "comment.general_response": "The author's general response to reviewers, stored with "
                                "the resubmitted revision",
    # Citations
    "citation.waived": "Citation finding waived by an editor",
    "retractions.imported": "Retraction Watch list imported",
    # Public site
    "reader_report.created": "A reader reported a problem with an article",
    "reader_report.resolved": "Reader report resolved by an editor (with the resolution)",
    # Reader questions (issue 17): the reader's text stays in the question row
    "reader_question.asked": "A reader asked a follow-up question under an article (its "
                             "length and whether an email was left; never the text)",
    "reader_question.answered": "An editor answered a reader's question by mail (the "
                                "outbox message)",
    "reader_question.dismissed": "An editor dismissed a reader's question (with the reason)",
    "reader_question.commissioned": "An editor commissioned an article from a reader's "
                                    "question (the new draft and its author)",
    "reader_question.asker_notified": "The reader who asked was mailed that the article "
                                      "commissioned from their question is approved",
    "site_page.updated": "Admin text of a public page changed (e.g. the editorial policy)",
    # Mail
    "reminder.sent": "Review reminder queued for a reviewer",
    # Security and the log itself
    "access.denied": "A signed-in user was refused a page or action",
    "audit.exported": "Audit log exported (filters and row count)",
    "audit.verified": "Audit hash chain verified (outcome in details)",
    "evidence.exported": "An article's evidence bag for assessors exported as a ZIP (by the "
                         "desk or `evidence export`: revisions, bytes or file name in details)",
    "audit.head_published": "Chain head signed with the site key and published at "
                            "/transparency/heads (the head includes this event)",
}

# Released actions no longer recorded: still filterable, refused by record().
RETIRED: dict[str, str] = {}


class UnregisteredAction(ValueError):
    """A programming error: an action missing from ACTIONS."""


def check_registered(action: str) -> None:
    if action not in ACTIONS:
        raise UnregisteredAction(
            f"Audit action {action!r} is not registered: add it, with a description, to "
            "ACTIONS in reviewapp/audit/actions.py.")


def describe(action: str) -> str:
    return ACTIONS.get(action) or RETIRED.get(action) or ""


def matching(prefix: str) -> list[str]:
    """Every known action (recorded now or retired) that starts with `prefix`."""
    return sorted(a for a in (*ACTIONS, *RETIRED) if a.startswith(prefix))


def groups() -> list[str]:
    """The prefixes offered in the action filter: 'article.', 'user.', …"""
    return sorted({a.split(".", 1)[0] + "." for a in (*ACTIONS, *RETIRED)})
