"""Helpers for Playwright journeys (the `browser_page` fixture is in conftest)."""


def log_in(page, email: str, password: str = "pw-test-123!") -> None:
    """Log in through the real form."""
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
