"""What the desk's article page shows (author, editor and, through
reviews/pages.py, reviewer), gathered in a fixed number of queries."""

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reviewapp.accounts.permissions import can_edit_draft, can_see_all_articles, has_role
from reviewapp.articles.audiences import parse_audiences
from reviewapp.articles.models import Article, Revision
from reviewapp.audit import queries as audit_queries
from reviewapp.audit.pages import object_labels
from reviewapp.citations import services as citations
from reviewapp.extensions import db
from reviewapp.forms import VersionedForm
from reviewapp.lifecycle import machine
from reviewapp.lifecycle.states import CHANGES_REQUESTED, UNDER_REVIEW
from reviewapp.reviews import rounds
from reviewapp.reviews import services as reviews
from reviewapp.reviews.claim_pages import claims_context
from reviewapp.reviews.models import OPEN_ASSIGNMENT_STATES, signature_is_valid
from reviewapp.reviews.outstanding import still_needed
from reviewapp.workflow import forms
from reviewapp.workflow.schedule_forms import schedule_context
from reviewapp.workflow.transition import actor_of, load_facts


def revisions_of(article_id: int) -> list[Revision]:
    return list(db.session.scalars(select(Revision).where(Revision.article_id == article_id)
                                   .options(selectinload(Revision.references),
                                            selectinload(Revision.audience_versions))
                                   .order_by(Revision.number)))


def audience_labels() -> dict[str, str]:
    """The site's audiences by key, for the headings of the versions shown."""
    return {a.key: a.label for a in parse_audiences(current_app.config["AUDIENCES"])}


def article_context(article: Article, **bound_forms) -> dict:
    facts = load_facts(article)
    allowed = machine.allowed_events(facts, actor_of(current_user))
    assignments = reviews.assignments_of(article.id)
    context = {
        "article": article, "revision": article.current_revision, "allowed": allowed,
        "facts": facts, "assignments": assignments,
        # Also on a page shown again after a refusal (a submission refused for
        # want of "What changed", say): the way back to the draft.
        "can_edit": can_edit_draft(current_user, article),
        "open_assignments": [a for a in assignments if a.state in OPEN_ASSIGNMENT_STATES],
        "reviews": reviews.reviews_of(article.id), "revisions": revisions_of(article.id),
        "signature_is_valid": signature_is_valid, "audience_labels": audience_labels(),
        "version_form": VersionedForm(formdata=None, version=article.version),
        "reason_form": bound_forms.get("reason_form")
        or forms.ReasonForm(formdata=None, version=article.version),
        "assign_form": None,
        **citation_context(article, bound_forms.get("waive_forms", {})),
        # The claims, their references and supporting passages (issue 14 §4).
        **claims_context(article, bound_forms.get("support_forms", {})),
    }
    # What the approval rule still asks for, said to everyone who opens the page.
    context["still_needed"] = still_needed(
        len(facts.approved_by), facts.required_approvals,
        [finding.message for finding in context["blocking"]]
    ) if article.state == UNDER_REVIEW else []
    context.update(round_context(article, facts, context["reviews"]))
    # Scheduled publishing (issue 17): the "Publish at" box.
    context.update(schedule_context(article, bound_forms.get("publish_form")))
    # Who approved the current revision, by name (their assignments are loaded).
    context["approver_names"] = [a.reviewer.display_name for a in assignments
                                 if a.reviewer_id in facts.approved_by]
    if can_see_all_articles(current_user):  # editors and admins: the article's audit trail
        context["timeline"] = audit_queries.article_timeline(article.id)
        # The names its events' details hold, for all of them in one query.
        context["timeline_labels"] = object_labels(context["timeline"].events,
                                                   articles=False)
    if "assign" in allowed or has_role(current_user, "editor"):
        assign_form = bound_forms.get("assign_form") or forms.AssignForm(
            formdata=None, version=article.version)
        fill_reviewer_choices(assign_form, article)
        assign_form.set_defaults()
        context["assign_form"] = assign_form
        context["reviewer_search"] = reviewer_search()
    return context


def fill_reviewer_choices(form: forms.AssignForm, article: Article) -> None:
    """The best suggestions, or those matching the page's ?find= search."""
    form.reviewer.choices = [
        (user.id, f"{user.display_name} — {count} open"
                  + (" — specialty matches" if match else ""))
        for user, count, match in reviews.suggest_reviewers(article, reviewer_search())]


def reviewer_search() -> str:
    """What the editor typed; reviews.suggest_reviewers normalises it."""
    return request.args.get("find", "")


def citation_context(article: Article, bound_waive_forms: dict) -> dict:
    """The current revision's report, the waivers, and a Waive form per
    unwaived error finding (for editors)."""
    report = citations.report_of(article.current_revision_id)
    waivers = citations.waivers_of(article.id)
    waive_forms = {}
    if report and has_role(current_user, "editor"):
        for n, finding in enumerate(report.findings):
            if finding.severity == "error" and finding.key not in waivers:
                waive_forms[n] = bound_waive_forms.get(n) or forms.WaiveForm(
                    formdata=None, prefix=f"w{n}", version=article.version,
                    finding_key=finding.key)
    return {"report": report, "waivers": waivers, "waive_forms": waive_forms,
            "blocking": citations.unwaived_errors(report, waivers)}


# --- Review rounds (issue 14) ----------------------------------------------------------

def round_context(article: Article, facts: machine.ArticleFacts, reviews_shown) -> dict:
    """The rounds with their reports (Round 1, Round 2 …, one query), the
    round whose decision sent the article back (its letter), the open round
    and whether it waits on the editor. The author sees a request for changes
    once the editor has decided on it (in the decision letter)."""
    shown = rounds.with_reports(rounds.rounds_of(article.id), reviews_shown,
                                hide_recommendations=current_user.id == article.author_id)
    last = shown[-1].round if shown else None
    return {
        "rounds": shown,
        "letter_round": last if last and article.state == CHANGES_REQUESTED
        and last.decision == CHANGES_REQUESTED else None,
        "open_round": last if last and last.is_open else None,
        "decision_needed": facts.decision_needed,
    }
