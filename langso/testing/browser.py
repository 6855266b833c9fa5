"""A real headless browser for end-to-end tests: Debian's Chromium driven by Playwright.

Never a browser Playwright downloads itself (``playwright install``): the test drives the
``chromium`` package of the distribution, the one a commune's machines run. ``make test``
installs it when run as root; otherwise a test using it is skipped with the command to run.

Playwright's synchronous API runs an asyncio loop in the calling thread while a browser is
open, and Django refuses ORM calls from a thread with a running loop. ``browser_session``
is therefore a ``with`` block: set the data up before it, drive the pages inside it, and
read the database after it (or between two blocks).
"""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
INSTALL_COMMAND = "sudo apt-get install -y chromium"
# A page of ours answers in well under a second; a minute covers a loaded CI machine
# rendering and signing PDFs inside a request.
TIMEOUT_MS = 60_000


def chromium_path() -> str | None:
    """Debian's Chromium, or ``None`` when the package is not installed."""
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    return shutil.which("chromium")


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        pytest.skip(f"Chromium is not installed; install it with: {INSTALL_COMMAND}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - it is in requirements.lock
        pytest.skip("the playwright package is not installed (make install)")
    return path


class Browser:
    """One Chromium; each person in a test gets a context of their own (own cookies)."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url.rstrip("/")

    def person(self) -> Any:
        """A new page in a fresh context: a person with no session yet, reading Vietnamese."""
        context = self.browser.new_context(base_url=self.base_url, locale="vi-VN",
                                           accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()


@contextmanager
def browser_session(base_url: str) -> Iterator[Browser]:
    """Debian's headless Chromium for the duration of the block (see the module doc)."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield Browser(browser, base_url)
        finally:
            browser.close()


def sign_in(page: Any, username: str, password: str, *, totp_key: str | None = None,
            next_path: str = "") -> None:
    """Through the real sign-in page; staff then type the code their authenticator app
    would show (``totp_key``: the device's hex key)."""
    from langso.testing.accounts import totp_code

    page.goto("/tai-khoan/dang-nhap/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_load_state()
    if totp_key is not None:
        page.wait_for_url("**/dang-nhap/xac-thuc/**")
        page.get_by_label("Mã xác thực (6 chữ số)").fill(totp_code(totp_key))
        page.locator("form button").first.click()
        page.wait_for_load_state()
    if "/dang-nhap/" in page.url:
        raise AssertionError(f"sign-in did not go through: {page.url}\n"
                             f"{page.locator('main').inner_text()}")
