"""What the page tests share: the CSRF token a form carries, and a response's text."""

import re

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The form's CSRF token on a page (the test fails when the page has none)."""
    match = CSRF.search(html)
    assert match, "no csrf token on the page"
    return match.group(1)


def text(response) -> str:
    return response.get_data(as_text=True)
