"""A real browser (Debian's chromium driven by Playwright) opens the app, asks a question and sees
the answer with a chart. Screenshots land in ``artifacts/``.

Needs ``/usr/bin/chromium`` (``scripts/install_browser.sh`` installs it; CI runs that first) and
the ``playwright`` package; never downloads a browser.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Offline, as root, no GPU: everything that would reach the network is switched off.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ANSWER_TIMEOUT_MS = 120_000
DETAILS = "Details: program, confidence, time"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(app_url: str) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (run scripts/install_browser.sh)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    profile = tempfile.mkdtemp(prefix="askmodel-chromium-")
    try:
        with sync_api.sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                args=CHROMIUM_ARGS,
                headless=True,
                viewport={"width": 1400, "height": 1000},
            )
            try:
                tab = context.new_page()
                tab.requests_seen = []  # type: ignore[attr-defined]
                tab.on("request", lambda request: tab.requests_seen.append(request.url))
                tab.goto(app_url)
                tab.wait_for_selector("#askmodel-input textarea", timeout=60_000)
                yield tab
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_page_describes_the_demo(page, artifacts_dir: Path) -> None:
    panel = page.locator("#askmodel-panel")
    panel.get_by_text("Accuracy").wait_for(timeout=30_000)
    assert "Model" in panel.inner_text()
    assert page.locator("#askmodel-examples button").count() >= 4
    page.screenshot(path=str(artifacts_dir / "browser-start.png"))


def test_asking_shows_the_answer_and_a_chart(page, artifacts_dir: Path) -> None:
    chat = page.locator("#askmodel-chat")
    page.fill("#askmodel-input textarea", "what are the most important features?")
    page.click("#askmodel-send")
    chat.get_by_text("what are the most important features?").first.wait_for()
    chart = chat.locator("img").first
    chart.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert chart.evaluate("img => img.naturalWidth") > 100
    # how the question was read is in plain sight, above the answer
    chat.get_by_text(re.compile(r"^I read this as: all patients")).last.wait_for()
    details = chat.get_by_text(DETAILS).last
    details.wait_for()
    page.wait_for_timeout(500)  # let the chat finish scrolling
    page.screenshot(path=str(artifacts_dir / "browser-chat.png"))
    details.click()  # the collapsed details open and show the program and the confidence
    chat.get_by_text(re.compile(r"^Program:")).last.wait_for()
    assert "parser:" not in chat.inner_text()
    assert page.locator("#askmodel-stop").is_hidden()
    assert page.locator("#askmodel-send").is_visible()


def test_example_questions_are_one_click(page, artifacts_dir: Path) -> None:
    chat = page.locator("#askmodel-chat")
    before = chat.get_by_text(DETAILS).count()
    example = page.locator("#askmodel-examples button", has_text="accurate").first
    example.click()
    page.wait_for_function(
        """n => [...document.querySelectorAll('#askmodel-chat *')]
               .filter(e => e.childElementCount === 0 &&
                            e.textContent.includes('Details: program')).length > n""",
        arg=before,
        timeout=ANSWER_TIMEOUT_MS,
    )
    assert "%" in chat.inner_text()
    page.screenshot(path=str(artifacts_dir / "browser-example.png"))


def test_page_never_leaves_loopback(page, app_url: str) -> None:
    """Fonts, scripts and data all come from the app itself: it works offline."""
    outside = [
        url
        for url in page.requests_seen
        if not url.startswith((app_url.rstrip("/"), "data:", "blob:"))
    ]
    assert page.requests_seen and outside == []


def test_suggestions_under_an_answer_are_one_click(page, artifacts_dir: Path) -> None:
    """The follow-up the assistant offered (and clarifying options) sit under the newest answer
    as buttons; clicking one asks it."""
    chat = page.locator("#askmodel-chat")
    page.fill("#askmodel-input textarea", "what does the model predict for patient 12?")
    page.click("#askmodel-send")
    offer = chat.get_by_role("button", name=re.compile(r"^Yes, know why")).last
    offer.wait_for(timeout=ANSWER_TIMEOUT_MS)
    before = chat.get_by_text("SHAP").count()
    offer.click()
    page.wait_for_function(
        """n => [...document.querySelectorAll('#askmodel-chat *')]
               .filter(e => e.childElementCount === 0 && e.textContent.includes('SHAP'))
               .length > n""",
        arg=before,
        timeout=ANSWER_TIMEOUT_MS,
    )
    assert "patient 12" in chat.inner_text()
    page.screenshot(path=str(artifacts_dir / "browser-suggestion.png"))
