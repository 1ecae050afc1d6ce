"""Running the citation engine on revisions, storing its reports, waivers."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import or_, select

from reviewapp.accounts.models import User
from reviewapp.accounts.permissions import has_role
from reviewapp.citations import engine
from reviewapp.citations.identifiers import ParsedReference, parse_reference
from reviewapp.citations.models import CitationReport, CitationWaiver, Retraction
from reviewapp.db import utcnow
from reviewapp.errors import InvalidInput, PermissionDenied, TransitionRefused
from reviewapp.extensions import db

if TYPE_CHECKING:  # citations sits below articles: it checks what it is given
    from reviewapp.articles.models import Article, Revision


def engine_settings() -> engine.Settings:
    config = current_app.config
    return engine.Settings(stale_reference_years=config["STALE_REFERENCE_YEARS"],
                           link_allowlist=tuple(config["LINK_ALLOWLIST"]))


def retractions_for(parsed: list[ParsedReference]) -> dict[str, engine.Retraction]:
    """The retraction notices, keyed as the engine looks them up, of just these references."""
    dois = {r.doi for r in parsed if r.doi}
    pmids = {r.pmid for r in parsed if r.pmid}
    if not dois and not pmids:
        return {}
    found = {}
    for row in db.session.scalars(select(Retraction).where(
            or_(Retraction.doi.in_(dois), Retraction.pmid.in_(pmids)))):
        notice = engine.Retraction(nature=row.nature, record_id=row.record_id,
                                   reason=row.reason, date=row.retraction_date or "")
        for key in engine.retraction_keys(row.doi, row.pmid):
            found[key] = notice
    return found


def version_texts(versions: Sequence) -> tuple[engine.VersionText, ...]:
    """A revision's audience versions (rows or anything with audience, title, key_points
    and body) as the engine reads them, with their audience's label and reading-level
    targets (AUDIENCES), in the site's order of audiences. A version of an audience the
    site no longer has is still checked, under its key, with no reading-level target."""
    # The setting as articles/audiences.py reads it (checked at start; citations sits
    # below articles, so it reads the validated setting's fields itself).
    audiences = {entry["key"]: entry for entry in current_app.config["AUDIENCES"]}
    order = {key: index for index, key in enumerate(audiences)}
    texts = []
    for version in sorted(versions, key=lambda v: (order.get(v.audience, len(order)),
                                                   v.audience)):
        audience = audiences.get(version.audience, {})
        texts.append(engine.VersionText(
            audience=version.audience,
            label=(audience.get("label") or version.audience).strip(),
            title=version.title or "", key_points=version.key_points or "",
            body=version.body or "",
            reading_ease_min=audience.get("reading_ease_min"),
            reading_grade_max=audience.get("reading_grade_max")))
    return tuple(texts)


def run_check(body: str, references: list[str], versions: Sequence = ()) -> engine.Report:
    """The engine's report on a text, its references and its audience versions (rows or
    anything version_texts reads)."""
    parsed = [parse_reference(n, text) for n, text in enumerate(references, start=1)]
    return engine.check(body, references, retractions_for(parsed), utcnow().date(),
                        engine_settings(), version_texts(versions))


def check_revision(revision: "Revision") -> CitationReport:
    """Run the engine on the revision and store (or replace) its report."""
    stored = db.session.scalar(select(CitationReport).where(
        CitationReport.revision_id == revision.id))
    if stored is None:
        stored = CitationReport(revision_id=revision.id)
        db.session.add(stored)
    fill_report(stored, run_check(revision.body, revision.reference_texts,
                                  revision.audience_versions))
    db.session.flush()
    if revision.article.current_revision is revision:
        count_citation_errors(revision.article)
    return stored


def count_citation_errors(article: "Article") -> None:
    """Keep article.citation_errors, which the editor's "Blocked" list reads, in
    step with the current revision's report and the article's waivers."""
    article.citation_errors = len(unwaived_errors(report_of(article.current_revision_id),
                                                  waivers_of(article.id)))


def preview_report(body: str, references: list[str],
                   versions: Sequence = ()) -> CitationReport:
    """A report of text not saved yet; not added to the session."""
    return fill_report(CitationReport(), run_check(body, references, versions))


def fill_report(stored: CitationReport, report: engine.Report) -> CitationReport:
    summary = report.summary()
    stored.checked_at = utcnow()
    stored.error_count = summary["error"]
    stored.warning_count = summary["warning"]
    stored.info_count = summary["info"]
    stored.findings = list(report.findings)
    return stored


def report_of(revision_id: int | None) -> CitationReport | None:
    if revision_id is None:
        return None
    return db.session.scalar(select(CitationReport).where(
        CitationReport.revision_id == revision_id))


def waivers_of(article_id: int) -> dict[str, CitationWaiver]:
    return {w.finding_key: w for w in db.session.scalars(
        select(CitationWaiver).where(CitationWaiver.article_id == article_id))}


def unwaived_errors(report: CitationReport | None, waivers: dict) -> list[engine.Finding]:
    if report is None:
        return []
    return [f for f in report.findings if f.severity == engine.ERROR and f.key not in waivers]


def waive_finding(article: "Article", actor: User, finding_key: str, reason: str) -> CitationWaiver:
    """An editor waives one error finding of the current revision, with a reason.
    The caller holds the article lock and re-checks the approval rule."""
    if not has_role(actor, "editor"):
        raise PermissionDenied("Only editors can waive citation findings.")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("A reason is required to waive a finding.")
    report = report_of(article.current_revision_id)
    finding = next((f for f in (report.findings if report else [])
                    if f.key == finding_key), None)
    if finding is None:
        raise TransitionRefused("This finding is not in the current revision's report "
                                "(the article may have changed).")
    if finding.severity != engine.ERROR:
        raise TransitionRefused("Only error findings block approval; warnings need no waiver.")
    if finding_key in waivers_of(article.id):
        raise TransitionRefused("This finding is already waived.")
    waiver = CitationWaiver(article_id=article.id, finding_key=finding_key,
                            code=finding.code, message=finding.message, reason=reason,
                            waived_by_id=actor.id)
    db.session.add(waiver)
    db.session.flush()
    count_citation_errors(article)
    return waiver
