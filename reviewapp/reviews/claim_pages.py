"""What the pages show of a revision's claims: on the desk article page each claim with
the references it cites and the author's supporting passage (with a form for the author);
on the review page also the reviewer's verdict form, their verdicts on earlier revisions,
and the open warnings the approve form asks them to tick. A fixed number of queries,
whatever the number of claims."""

from dataclasses import dataclass
from types import SimpleNamespace

from flask_login import current_user

from reviewapp.articles.models import Article, Reference
from reviewapp.citations import identifier_links
from reviewapp.citations.engine import ArticleClaim
from reviewapp.reviews.claim_forms import SupportForm, VerdictsForm
from reviewapp.reviews.claims import (
    claims_of,
    may_attach_support,
    open_warnings,
    supports_of,
    verdicts_by,
)
from reviewapp.reviews.models import ClaimSupport, ClaimVerdict
from reviewapp.reviews.signing import SUPPORTED


@dataclass(frozen=True)
class CitedReference:
    number: int
    reference: Reference | None  # None: the marker points at no reference

    @property
    def doi_url(self) -> str | None:
        return identifier_links.doi_url(self.reference.doi if self.reference else None)

    @property
    def pubmed_url(self) -> str | None:
        return identifier_links.pubmed_url(self.reference.pmid if self.reference else None)


@dataclass
class ClaimRow:
    claim: ArticleClaim
    references: list[CitedReference]
    support: ClaimSupport | None
    support_form: SupportForm | None = None
    entry: object = None                 # the claim's entry of the verdicts form
    # The reviewer's verdict on the same claim in an earlier revision: (number, verdict).
    previous: tuple[int, ClaimVerdict] | None = None


def claims_context(article: Article, bound_support_forms: dict) -> dict:
    """The current revision's claims for the desk article page (one query: the passages).
    `bound_support_forms`: claim key -> a refused SupportForm, shown again as typed."""
    revision = article.current_revision
    supports = supports_of(article.id)
    by_number = {ref.position: ref for ref in (revision.references if revision else [])}
    may_attach = may_attach_support(current_user, article)
    rows = []
    for claim in claims_of(revision):
        support = supports.get(claim.key)
        row = ClaimRow(claim=claim, support=support,
                       references=[CitedReference(n, by_number.get(n)) for n in claim.references])
        if may_attach:
            row.support_form = bound_support_forms.get(claim.key) or SupportForm(
                formdata=None, prefix=f"s{claim.key}", version=article.version,
                quote=support.quote if support else "",
                location=support.location if support else "")
        rows.append(row)
    return {"claims": rows, "may_attach_support": may_attach}


def verdicts_context(article: Article, context: dict, bound_verdicts: VerdictsForm | None,
                     bound_approve=None) -> dict:
    """The review page's verdict form over context["claims"] (one query: the reviewer's
    verdicts on every revision), and the warnings to tick on the approve form."""
    revision = article.current_revision
    mine = verdicts_by(current_user.id, article.id)
    current = mine.get(revision.id, {})
    numbers = {r.id: r.number for r in context["revisions"]}
    typed = bound_verdicts.typed() if bound_verdicts else {}
    entries = []
    for row in context["claims"]:
        key, stored = row.claim.key, current.get(row.claim.key)
        entry = typed.get(key) or {"verdict": stored.verdict if stored else None,
                                   "note": stored.note if stored else ""}
        entries.append(SimpleNamespace(claim_key=key, **entry))
        earlier = [(numbers[revision_id], verdicts[key]) for revision_id, verdicts in mine.items()
                   if revision_id != revision.id and key in verdicts and revision_id in numbers]
        row.previous = max(earlier, key=lambda pair: pair[0]) if earlier else None
    form = VerdictsForm(formdata=None, claims=entries, content_hash=(
        bound_verdicts.content_hash.data if bound_verdicts else revision.content_hash))
    for row, entry in zip(context["claims"], form.claims, strict=True):
        row.entry = entry
    ticked = set(bound_approve.acknowledged.data or ()) if bound_approve else set()
    return {"verdicts_form": form,
            "supported_count": sum(1 for e in entries if e.verdict == SUPPORTED),
            "sign_warnings": open_warnings(context["report"], context["waivers"]),
            "ticked_warnings": ticked}
