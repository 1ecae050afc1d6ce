"""Accessibility (issue 16), in Chromium. axe-core (the copy bundled with
axe-playwright-python, injected into the page: nothing is fetched) finds no
serious or critical violation on any page: each desk page as the role that uses
it, and the pages seen before logging in (the lists of tests/e2e/every_page.py,
shared with the phone-width test, which checks they name every GET route)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.e2e.conftest import watch_problems
from tests.e2e.every_page import DESK_PAGES, SIGN_IN_AND_PUBLIC, arrive, build_world, url_of

pytestmark = pytest.mark.browser

AXE = Axe()
# What blocks people (axe's impact levels); minor and moderate ones are reported by
# axe too but do not fail the test.
BLOCKING = ("critical", "serious")


@pytest.fixture
def world(app, make_user, make_article):
    return build_world(app, make_user, make_article)


def blocking_violations(page: Page) -> list[str]:
    """axe's serious and critical violations on the page as it is now, each with
    the elements it found (for the message)."""
    page.wait_for_load_state("load")
    found = AXE.run(page).response["violations"]
    return [f"{violation['impact']} {violation['id']} ({violation['help']}): "
            + "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:6])
            for violation in found if violation["impact"] in BLOCKING]


@pytest.mark.parametrize(("endpoint", "role", "args"), DESK_PAGES,
                         ids=[f"{endpoint}-{role}" for endpoint, role, _ in DESK_PAGES])
def test_desk_page_has_no_serious_accessibility_violation(app, world, browsers, endpoint,
                                                          role, args):
    page = browsers(world[role])
    response = page.goto(url_of(app, world, endpoint, args))
    assert response.status == 200, (endpoint, response.status)
    assert blocking_violations(page) == []


@pytest.mark.parametrize("endpoint", SIGN_IN_AND_PUBLIC)
def test_page_before_login_has_no_serious_accessibility_violation(app, world, browser,
                                                                  live_server, endpoint):
    context = browser.new_context(base_url=live_server)
    try:
        page = context.new_page()
        problems = watch_problems(page)
        arrive(page, app, world, endpoint)
        assert blocking_violations(page) == []
        assert problems == []
    finally:
        context.close()
