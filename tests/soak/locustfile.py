"""Locust users for the soak test (tests/soak/test_soak.py runs this file in a
subprocess: locust imports gevent, which monkey-patches, so never import it
into the pytest process).

Authors create, edit and submit drafts (and resubmit after changes were
requested), the editor assigns two reviewers to each submitted article and
decides the rounds where a reviewer asked for changes, reviewers accept and
then approve (signing with their password) or request changes, the admin
browses and exports the audit log, and anonymous readers read the public
pages and the API (with conditional GETs). Everyone logs in over HTTP with the
CSRF token parsed from the page.

Every request is judged here: a 2xx/3xx it expects, a 409 that is a
deliberate conflict (a stale form posted on purpose), a 409 that a race
between two users can cause (counted apart, never an error), or a failure.
At the end the counts go as JSON to the file named by SOAK_SUMMARY.

Environment: SOAK_ACCOUNTS (JSON {role: [email, ...]}), SOAK_PASSWORD,
SOAK_SUMMARY.
"""

import itertools
import json
import os
import random
import re
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(os.environ.get("SOAK_ACCOUNTS", "{}"))
PASSWORD = os.environ.get("SOAK_PASSWORD", "")
SUMMARY = os.environ.get("SOAK_SUMMARY")

# outcome -> count: "ok", "conflict:deliberate", "conflict:race", "failure",
# "done:<action>" for each write the server accepted.
OUTCOMES: Counter = Counter()
STATUSES: Counter = Counter()
RACES: Counter = Counter()  # route and message -> 409s a race between two users caused
# The refusals a race can cause: another user's change made the form stale or
# moved the article on. Any other 409 (say "Nothing has changed") is a failure.
RACE_MESSAGE = re.compile(r"changed since you opened it|is no longer [A-Z][a-z]+( [A-Z][a-z]+)?"
                          r"|not possible while the article is [A-Z][a-z]+( [A-Z][a-z]+)?")
FAILURES: list[str] = []
_next_account = {role: itertools.count() for role in ("author", "reviewer", "editor", "admin")}

BODY = ("{drug} is a common first-line treatment for mild pain [1]. For adults the usual "
        "dose is reviewed after four weeks [1,2]. A randomised trial reported that symptoms "
        "improved in 62% of patients compared with 41% on placebo [2].\n\nRevision note {n}.")
REFERENCES = ("1. Smith J, Jones K. {drug} for acute pain. BMJ. 2021;372:n1. doi:10.1136/bmj.n1\n"
              "2. Doe A. {drug} dosing in adults. Lancet. 2020;395:10. PMID: 31000001")
DRUGS = ("Ibuprofen", "Naproxen", "Acetaminophen", "Aspirin")


class Forms(HTMLParser):
    """Every <form> of a page: action -> {field name: value}; and every href."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict[str, str]] = {}
        self.options: dict[str, list[tuple[str, str]]] = {}  # action -> (value, label)
        self.links: list[str] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._option: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            # As a browser posts it: without the fragment ("…/approve#sign-refusal").
            self._action = (a.get("action") or "").split("#", 1)[0]
            self._form = self.forms.setdefault(self._action, {})
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "file"):
            self._form[a["name"]] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form[a["name"]] = ""
        elif tag == "option":
            self._option = a.get("value") or ""

    def handle_data(self, data):
        if self._textarea:
            self._form[self._textarea] += data
        elif self._option is not None and data.strip():
            self.options.setdefault(self._action, []).append((self._option, data.strip()))
            self._option = None

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def _ids(links, pattern):
    found = []
    for link in links:
        match = re.fullmatch(pattern, link)
        if match and match.group(1) not in found:
            found.append(match.group(1))
    return found


def _section(html: str, heading: str) -> str:
    """The part of a page from an <h2> starting with this text (a count may follow,
    "Decision needed <span…>2</span>") to the next <h2>."""
    found = re.search(rf">{re.escape(heading)}(?:\s*<span[^>]*>[^<]*</span>)?\s*</h2>", html)
    if found is None:
        return ""
    start = found.start()
    end = html.find("<h2", start)
    return html[start:end if end > 0 else None]


def judge(response, expect=(200,), race_conflict=False, deliberate_conflict=False,
          done=None):
    """Mark a catch_response=True response a success or a failure and count it.
    Returns True when the request did what was asked."""
    status = response.status_code
    STATUSES[str(status)] += 1
    if deliberate_conflict:
        if status == 409 and "changed since you opened it" in response.text:
            OUTCOMES["conflict:deliberate"] += 1
            response.success()
        else:
            _fail(response, f"expected 409 with the stale-version message, got {status}")
        return False
    if status in expect:
        OUTCOMES["ok"] += 1
        if done:
            OUTCOMES[f"done:{done}"] += 1
        response.success()
        return True
    race = RACE_MESSAGE.search(response.text) if status == 409 and race_conflict else None
    if race:
        OUTCOMES["conflict:race"] += 1
        route = re.sub(r"/\d+", "/[id]", response.request.path_url)
        RACES[f"{route}: {race.group(0)}"] += 1
        response.success()
        return False
    _fail(response, f"expected {expect}, got {status}")
    return False


def _fail(response, message):
    OUTCOMES["failure"] += 1
    request = response.request
    FAILURES.append(f"{request.method} {request.path_url}: {message}")
    response.failure(message)


class SignedIn(HttpUser):
    """A member of staff: logs in once with the CSRF token of the login page."""

    abstract = True
    role = ""
    wait_time = between(0.3, 1.5)

    def on_start(self):
        accounts = ACCOUNTS[self.role]
        self.email = accounts[next(_next_account[self.role]) % len(accounts)]
        page = self.client.get("/login", name="/login")
        token = Forms(page.text).forms.get("", {}).get("csrf_token", "")
        with self.client.post("/login", data={"email": self.email, "password": PASSWORD,
                                              "csrf_token": token},
                              allow_redirects=False, catch_response=True,
                              name="POST /login") as response:
            judge(response, expect=(302,), done="login")

    def page(self, path, name, expect=(200,)):
        """GET a page as this user; None unless it came back as expected (a
        redirect to the login page would mean the session was lost)."""
        with self.client.get(path, name=name, allow_redirects=False,
                             catch_response=True) as response:
            if judge(response, expect=expect):
                return response.text
        return None

    def post(self, path, data, name, expect=(302,), **judged):
        with self.client.post(path, data=data, name=name, allow_redirects=False,
                              catch_response=True) as response:
            return judge(response, expect=expect, **judged), response


class Author(SignedIn):
    fixed_count = 3
    role = "author"

    def on_start(self):
        # Once each, whatever the random choice of tasks: a draft of one's own
        # and the deliberate conflict on it, so that even a short run has both.
        super().on_start()
        self.create_draft()
        self.stale_edit()

    def mine(self) -> dict[str, list[str]]:
        """{state label: [article id, ...]} from the author's list."""
        html = self.page("/desk/articles/", "/desk/articles/ (mine)")
        by_state: dict[str, list[str]] = {}
        for article_id, label in re.findall(
                r'<a href="/desk/articles/(\d+)">.*?state-badge[^>]*>([^<]+)<', html or "",
                re.S):
            by_state.setdefault(label, []).append(article_id)
        return by_state

    def draft_data(self, form):
        """The form's fields with a new body (always a change, so always a new
        version and one audit event)."""
        drug, n = random.choice(DRUGS), uuid.uuid4().hex
        title = form.get("title") or f"{drug} for mild pain {n[:8]}"
        return {**form, "title": title,
                "body": BODY.format(drug=drug, n=n),
                "references": REFERENCES.format(drug=drug), "tags": "pain medicine, soak",
                "save": "Save draft"}

    @task(3)
    def create_draft(self):
        html = self.page("/desk/articles/new", "/desk/articles/new")
        if html is None:
            return
        form = Forms(html).forms.get("", {})
        self.post("/desk/articles/new", self.draft_data(form), "POST /desk/articles/new",
                  done="draft_created")

    @task(4)
    def edit_draft(self):
        by_state = self.mine()
        ids = by_state.get("Draft", []) + by_state.get("Changes Requested", [])
        if not ids:
            return
        self.save(random.choice(ids))

    @task(1)
    def stale_edit(self):
        """A deliberate conflict: the same edit form posted twice; the second
        carries the version the first one replaced and must get 409."""
        ids = self.mine().get("Draft", [])
        if not ids:
            return
        article_id = random.choice(ids)
        html = self.page(f"/desk/articles/{article_id}/edit", "/desk/articles/[id]/edit")
        if html is None:
            return
        form = Forms(html).forms.get("", {})
        ok, _ = self.post(f"/desk/articles/{article_id}/edit", self.draft_data(form),
                          "POST /desk/articles/[id]/edit", done="draft_saved")
        if ok:
            self.post(f"/desk/articles/{article_id}/edit", self.draft_data(form),
                      "POST /desk/articles/[id]/edit (stale version)",
                      deliberate_conflict=True)

    def save(self, article_id) -> bool:
        html = self.page(f"/desk/articles/{article_id}/edit", "/desk/articles/[id]/edit")
        if html is None:
            return False
        form = Forms(html).forms.get("", {})
        ok, _ = self.post(f"/desk/articles/{article_id}/edit", self.draft_data(form),
                          "POST /desk/articles/[id]/edit", done="draft_saved")
        return ok

    @task(3)
    def submit(self):
        by_state = self.mine()
        choices = ([(i, "submit") for i in by_state.get("Draft", [])]
                   + [(i, "resubmit") for i in by_state.get("Changes Requested", [])])
        if not choices:
            return
        article_id, event = random.choice(choices)
        # Resubmitting needs a new revision: revise what the reviewers asked for first.
        if event == "resubmit" and not self.save(article_id):
            return
        html = self.page(f"/desk/articles/{article_id}", "/desk/articles/[id]")
        if html is None:
            return
        action = f"/desk/articles/{article_id}/{event}"
        form = Forms(html).forms.get(action)
        if form is not None:
            self.post(action, form, f"POST /desk/articles/[id]/{event}", race_conflict=True,
                      done=event)


class Editor(SignedIn):
    fixed_count = 1
    role = "editor"

    @task(4)
    def assign_reviewers(self):
        html = self.page("/desk/editor", "/desk/editor")
        if html is None:
            return
        waiting = _ids(Forms(_section(html, "Submitted, needing reviewers")).links,
                       r"/desk/articles/(\d+)")
        if not waiting:
            return
        article_id = random.choice(waiting)
        action = f"/desk/articles/{article_id}/assign"
        for _ in range(2):  # REQUIRED_APPROVALS reviewers, one POST each
            page = self.page(f"/desk/articles/{article_id}", "/desk/articles/[id]")
            if page is None:
                return
            parsed = Forms(page)
            form = parsed.forms.get(action)
            # Only the reviewers the load plays (demo reviewers would never answer).
            choices = [value for value, label in parsed.options.get(action, [])
                       if "Soak" in label]
            if form is None or not choices:
                return
            due = (datetime.now(UTC) + timedelta(days=14)).date().isoformat()
            ok, _ = self.post(action, {**form, "reviewer": random.choice(choices),
                                       "due_date": due},
                              "POST /desk/articles/[id]/assign", race_conflict=True,
                              done="assigned")
            if not ok:
                return

    @task(1)
    def all_articles(self):
        self.page("/desk/articles/all", "/desk/articles/all")

    @task(2)
    def decide(self):
        """Review rounds (issue 14): a round where a reviewer asked for changes
        goes back to its author with the decision letter the page offers."""
        html = self.page("/desk/editor", "/desk/editor")
        if html is None:
            return
        waiting = _ids(Forms(_section(html, "Decision needed")).links,
                       r"/desk/articles/(\d+)/decision")
        if not waiting:
            return
        article_id = random.choice(waiting)
        page = self.page(f"/desk/articles/{article_id}/decision", "/desk/articles/[id]/decision")
        action = f"/desk/articles/{article_id}/decision/request-changes"
        form = Forms(page or "").forms.get(action)
        if form is not None:
            self.post(action, form, "POST /desk/articles/[id]/decision/request-changes",
                      race_conflict=True, done="decided")


class Reviewer(SignedIn):
    fixed_count = 3
    role = "reviewer"

    @task
    def work_the_queue(self):
        html = self.page("/desk/reviews", "/desk/reviews")
        if html is None:
            return
        parsed = Forms(html)
        for action, form in parsed.forms.items():
            if re.fullmatch(r"/desk/assignments/\d+/accept", action):
                # the radio's last option was parsed: choose "No competing interests"
                fields = {name: ("none" if name.endswith("-declaration") else value)
                          for name, value in form.items()}
                self.post(action, fields, "POST /desk/assignments/[id]/accept",
                          race_conflict=True, done="accepted")
                return
        reviews = _ids(parsed.links, r"/desk/articles/(\d+)/review")
        if reviews:
            self.review(random.choice(reviews))

    def review(self, article_id):
        html = self.page(f"/desk/articles/{article_id}/review", "/desk/articles/[id]/review")
        if html is None:
            return
        forms = Forms(html).forms
        approve = forms.get(f"/desk/articles/{article_id}/approve")
        changes = forms.get(f"/desk/articles/{article_id}/request-changes")
        if approve is not None and (changes is None or random.random() < 0.75):
            if not self.give_verdicts(article_id, forms):
                return
            ticked = re.findall(r'name="acknowledged" value="([^"]+)"', html)
            self.post(f"/desk/articles/{article_id}/approve",
                      {**approve, "password": PASSWORD, "acknowledged": ticked},
                      "POST /desk/articles/[id]/approve", race_conflict=True, done="approved")
        elif changes is not None:
            self.post(f"/desk/articles/{article_id}/request-changes",
                      {**changes, "comments": "Please cite a trial for the dose."},
                      "POST /desk/articles/[id]/request-changes", race_conflict=True,
                      done="changes_requested")


    def give_verdicts(self, article_id, forms) -> bool:
        """Every claim "Supported", as a reviewer about to sign would say (issue 14)."""
        verdicts = forms.get(f"/desk/articles/{article_id}/verdicts")
        if verdicts is None:
            return True
        fields = {name: ("supported" if name.endswith("-verdict") else value)
                  for name, value in verdicts.items()}
        ok, _ = self.post(f"/desk/articles/{article_id}/verdicts", fields,
                          "POST /desk/articles/[id]/verdicts", race_conflict=True)
        return ok


class Admin(SignedIn):
    fixed_count = 1
    role = "admin"

    @task(4)
    def browse_audit(self):
        html = self.page("/admin/audit", "/admin/audit")
        if html is None:
            return
        parsed = Forms(html)
        older = [link for link in parsed.links if "before=" in link]
        if older:
            self.page(older[0].replace("&amp;", "&"), "/admin/audit?before=")
        events = _ids(parsed.links, r"/admin/audit/(\d+)")
        if events:
            self.page(f"/admin/audit/{random.choice(events)}", "/admin/audit/[seq]")

    @task(2)
    def filter_audit(self):
        self.page("/admin/audit?action=article.", "/admin/audit?action=article.")
        self.page("/admin/audit?action=review.&q=Approved", "/admin/audit?action=review.&q=")

    @task(1)
    def export_audit(self):
        if self.page("/admin/audit/export.csv?action=article.submitted",
                     "/admin/audit/export.csv") is not None:
            OUTCOMES["done:exported"] += 1

    @task(1)
    def users(self):
        self.page("/admin/users", "/admin/users")


class Reader(HttpUser):
    """Anonymous: the public pages and the read API."""

    weight = 1
    wait_time = between(0.1, 1.0)

    def get(self, path, name, expect=(200,), headers=None):
        with self.client.get(path, name=name, headers=headers or {},
                             catch_response=True) as response:
            judge(response, expect=expect)
            return response

    @task(3)
    def read_articles(self):
        index = self.get("/articles", "/articles")
        slugs = _ids(Forms(index.text).links, r"/articles/([a-z0-9-]+)")
        if slugs:
            self.get(f"/articles/{random.choice(slugs)}", "/articles/[slug]")

    @task(3)
    def read_api(self):
        listing = self.get("/api/v1/articles?limit=10", "/api/v1/articles")
        try:
            items = listing.json()["items"]
        except (ValueError, KeyError):
            return
        slugs = [item["slug"] for item in items if isinstance(item, dict) and "slug" in item]
        if not slugs:
            return
        item = self.get(f"/api/v1/articles/{random.choice(slugs)}", "/api/v1/articles/[slug]")
        etag = item.headers.get("ETag")
        if etag:
            # 304 unless the article changed in between, when 200 is right.
            self.get(item.request.path_url, "/api/v1/articles/[slug] (If-None-Match)",
                     expect=(304, 200), headers={"If-None-Match": etag})

    @task(1)
    def search_and_misses(self):
        self.get("/api/v1/articles?q=pain&tag=soak", "/api/v1/articles?q=&tag=")
        self.get("/articles?q=ibuprofen", "/articles?q=")
        self.get("/api/v1/articles/no-such-article", "/api/v1/articles/[missing]",
                 expect=(404,))
        self.get("/editorial-policy", "/editorial-policy")


@events.quitting.add_listener
def write_summary(environment, **kwargs):
    if SUMMARY:
        with open(SUMMARY, "w", encoding="utf-8") as handle:
            json.dump({"outcomes": OUTCOMES, "statuses": STATUSES, "races": RACES,
                       "failures": FAILURES[:50],
                       "requests": environment.stats.total.num_requests,
                       "locust_failures": environment.stats.total.num_failures,
                       "errors": [str(e.error) for e in environment.stats.errors.values()][:20],
                       # Exceptions raised in the tasks themselves (a bug here, or a
                       # page that no longer parses).
                       "exceptions": [e["traceback"] for e in
                                      environment.runner.exceptions.values()][:10]},
                      handle, indent=1, sort_keys=True)
