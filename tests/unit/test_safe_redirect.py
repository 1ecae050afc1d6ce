"""Which `next` targets are followed after login: paths on this site only."""

from urllib.parse import urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewapp.safe_redirect import is_safe_next

SAFE = [
    "/",
    "/desk",
    "/desk/articles/",
    "/a?b=c",
    "/a?next=//evil.com",
    "/articles/12#reviews",
    "/search?q=https://evil.com",
    "/%2F%2Fevil.com",           # percent-encoded: still a path here
    "/ünïcode/päth",
    "/javascript:alert(1)",      # a path segment, not a scheme
]

UNSAFE = [
    None,
    "",
    "//evil.com",
    "///evil.com",
    "//evil.com/desk",
    "https://evil.com",
    "http://evil.com/desk",
    "HTTPS://evil.com",
    "/\\evil.com",
    "/\\/evil.com",
    "\\\\evil.com",
    "/a\\b",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\tevil",
    "/\t/evil.com",
    "/\n/evil.com",
    "/\r/evil.com",
    "/desk\r\nSet-Cookie: x=1",
    "/\x00evil",
    "/\x1bevil",
    " /x",
    "\t/x",
    "desk",
    "evil.com",
    "?next=/desk",
    "#/desk",
    "mailto:a@evil.com",
]


@pytest.mark.parametrize("target", SAFE)
def test_path_on_this_site_is_followed(target):
    assert is_safe_next(target) is True


@pytest.mark.parametrize("target", UNSAFE)
def test_other_sites_schemes_and_tricks_are_refused(target):
    assert is_safe_next(target) is False


C0_AND_SPACE = "".join(map(chr, range(33)))


def _browser_host(target: str) -> str:
    """Where a browser on https://reviewapp.test/login would go: it drops tab
    and newline characters and reads backslashes as slashes."""
    cleaned = "".join(ch for ch in target if ch not in "\t\n\r").replace("\\", "/")
    return urljoin("https://reviewapp.test/login", cleaned.strip(C0_AND_SPACE))


@given(st.text(alphabet=st.sampled_from("/\\:.?#@%\t\n\r abcehlmosvw:j0"), max_size=16))
def test_property_every_safe_target_stays_on_this_site(target):
    if is_safe_next(target):
        assert _browser_host(target).startswith("https://reviewapp.test/")


@given(st.text())
def test_property_safe_targets_are_paths_without_control_characters(target):
    if is_safe_next(target):
        assert target.startswith("/") and not target.startswith("//")
        assert not any(ord(ch) < 32 or ch == "\\" for ch in target)
