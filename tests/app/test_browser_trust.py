"""What a domain expert sees in a real browser, at a laptop's 1366 px and a phone's 390 px: how
each question was read, example questions in full, follow-up buttons that name their patient,
and a chat that is not wiped without asking. Screenshots land in ``artifacts/``.

Needs ``/usr/bin/chromium`` and the ``playwright`` package, as ``test_browser.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from dialogue.demo import demo_workspace
from tests.app.conftest import chromium
from tests.app.test_browser import ANSWER_TIMEOUT_MS

pytestmark = pytest.mark.browser
WIDTHS = {"laptop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def open_page(browser, app_url: str, width: str):
    size = WIDTHS[width]
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    tab = context.new_page()
    tab.goto(app_url)
    tab.wait_for_selector("#askmodel-input textarea", timeout=60_000)
    tab.locator("#askmodel-examples button").first.wait_for(timeout=60_000)
    return context, tab


def ask(tab, question: str, before: int | None = None) -> None:
    """Type a question and wait for its answer's details box."""
    chat = tab.locator("#askmodel-chat")
    count = chat.get_by_text("Details: program").count() if before is None else before
    tab.fill("#askmodel-input textarea", question)
    tab.click("#askmodel-send")
    wait_for_answers(tab, count + 1)


def wait_for_answers(tab, n: int) -> None:
    tab.wait_for_function(
        """n => [...document.querySelectorAll('#askmodel-chat *')]
               .filter(e => e.childElementCount === 0 &&
                            e.textContent.includes('Details: program')).length >= n""",
        arg=n, timeout=ANSWER_TIMEOUT_MS)
    tab.wait_for_timeout(400)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_example_questions_are_readable_in_full(browser, app_url: str, artifacts_dir: Path,
                                                width: str) -> None:
    from dialogue.app_support import example_questions

    ws = demo_workspace()
    expected = example_questions(ws.schema, ws.noun(1), ws.noun(2))
    context, tab = open_page(browser, app_url, width)
    try:
        buttons = tab.locator("#askmodel-examples button:visible")
        shown = [buttons.nth(i).inner_text().strip() for i in range(buttons.count())]
        assert shown == list(expected)
        cut = tab.evaluate("""() => [...document.querySelectorAll(
                     '#askmodel-examples button, #askmodel-examples button *')]
                 .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)""")
        assert cut == [], f"example text is cut off at {width} width: {cut}"
        tab.screenshot(path=str(artifacts_dir / f"issue11-{width}-start.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_reading_is_above_the_answer_and_buttons_name_their_patient(
        browser, app_url: str, artifacts_dir: Path, width: str) -> None:
    context, tab = open_page(browser, app_url, width)
    chat = tab.locator("#askmodel-chat")
    try:
        ask(tab, "how many patients have mean radius above 17.5?")
        chat.get_by_text(re.compile(
            r"^I read this as: patients with mean radius above 17\.5 — count them")).wait_for()
        ask(tab, "what would change the prediction for patient 1?")
        button = chat.get_by_role("button", name="Yes, see how sure the model is for patient 1")
        button.wait_for(timeout=ANSWER_TIMEOUT_MS)
        tab.screenshot(path=str(artifacts_dir / f"issue11-{width}-answer.png"))
        count = chat.get_by_text("Details: program").count()
        button.click()
        wait_for_answers(tab, count + 1)
        chat.get_by_text(re.compile(r"^I read this as a yes to my suggestion: patient 1 —")
                         ).last.wait_for()
        text = chat.inner_text()
        assert "For patient 1, the model gives" in text, text[-800:]
        assert text.count("Yes, see how sure the model is for patient 1") >= 1
        tab.screenshot(path=str(artifacts_dir / f"issue11-{width}-followup.png"))
    finally:
        context.close()


def test_loading_new_data_asks_before_replacing_the_chat(browser, app_url: str,
                                                        artifacts_dir: Path,
                                                        tmp_path: Path) -> None:
    from tests.app.test_app_client import make_loan_data

    csv = tmp_path / "loans.csv"
    make_loan_data().to_csv(csv, index=False)
    context, tab = open_page(browser, app_url, "laptop")
    chat = tab.locator("#askmodel-chat")
    try:
        ask(tab, "how accurate is the model?")
        tab.get_by_text("Use your own data and model").click()
        tab.locator("#askmodel-csv input[type=file]").set_input_files(str(csv))
        tab.get_by_text("Choose the target column, then Load").wait_for(timeout=60_000)
        tab.click("#askmodel-load")
        status = tab.locator("#askmodel-status")
        status.get_by_text("starts a new conversation").wait_for(timeout=60_000)
        assert "accurate" in chat.inner_text(), "the chat is still there"
        tab.screenshot(path=str(artifacts_dir / "issue11-laptop-ask-first.png"))
        tab.click("#askmodel-replace")
        status.get_by_text("Loaded").wait_for(timeout=120_000)
        assert "accurate" not in chat.inner_text()
        assert "loans.csv" in tab.locator("#askmodel-panel").inner_text()
    finally:
        context.close()


def _answer_start_in_view(tab) -> dict:
    return tab.evaluate("""() => {
        const box = document.querySelector('#askmodel-chat .panel-wrap');
        const rows = box.querySelectorAll('.message-row.user-row');
        const last = rows[rows.length - 1].getBoundingClientRect();
        const b = box.getBoundingClientRect();
        const cut = [...document.querySelectorAll('#askmodel-chat .options button')]
            .filter(e => e.scrollWidth > e.clientWidth + 1
                         || e.getBoundingClientRect().right > b.right + 1
                         || e.getBoundingClientRect().left < b.left - 1)
            .map(e => e.textContent);
        return {offset: last.top - b.top, height: b.height, cut: cut};
    }""")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_each_answer_opens_at_its_start_and_buttons_fit(browser, app_url: str,
                                                       artifacts_dir: Path, width: str) -> None:
    context, tab = open_page(browser, app_url, width)
    try:
        for question in ("what are the most important features?",
                         "why did the model predict what it did for patient 12?"):
            ask(tab, question)
            tab.locator("#askmodel-chat img").last.wait_for(timeout=ANSWER_TIMEOUT_MS)
            tab.wait_for_timeout(900)  # the chart has loaded and the scroll has settled
            seen = _answer_start_in_view(tab)
            assert 0 <= seen["offset"] <= 40, f"{question!r}: the answer starts at {seen}"
            assert seen["cut"] == [], f"follow-up buttons are cut: {seen['cut']}"
        fits = tab.evaluate("""() => [...document.querySelectorAll('#askmodel-chat img')]
            .every(i => i.getBoundingClientRect().width <=
                        document.querySelector('#askmodel-chat').getBoundingClientRect().width)""")
        assert fits, "a chart is wider than the chat"
        tab.screenshot(path=str(artifacts_dir / f"issue11-{width}-answer-start.png"))
    finally:
        context.close()


def test_on_a_phone_the_chat_comes_first_and_the_panel_is_folded(browser, app_url: str,
                                                                artifacts_dir: Path) -> None:
    context, tab = open_page(browser, app_url, "phone")
    try:
        tab.wait_for_timeout(800)
        layout = tab.evaluate("""() => {
            const top = s => document.querySelector(s).getBoundingClientRect().top;
            const panel = document.querySelector('#askmodel-panel');
            return {chat: top('#askmodel-chat'), box: top('#askmodel-panel-box'),
                    input: document.querySelector('#askmodel-input')
                               .getBoundingClientRect().bottom,
                    panelShown: !!panel && panel.offsetParent !== null};
        }""")
        assert layout["chat"] < layout["box"], layout
        assert layout["input"] <= WIDTHS["phone"][1], "the question box is off the first screen"
        assert layout["panelShown"] is False, "the data and model panel starts folded"
        tab.screenshot(path=str(artifacts_dir / "issue11-phone-first-screen.png"))
    finally:
        context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_features_table_is_readable(browser, app_url: str, artifacts_dir: Path,
                                        width: str) -> None:
    context, tab = open_page(browser, app_url, width)
    try:
        tab.locator("#askmodel-features").get_by_text("Features of the data").click()
        table = tab.locator("#askmodel-features table")
        table.wait_for(timeout=30_000)
        narrow = tab.evaluate("""() => [...document.querySelectorAll(
                '#askmodel-features td:first-child, #askmodel-features td:nth-child(3)')]
            .filter(td => td.getBoundingClientRect().width < 60).map(td => td.textContent)""")
        assert narrow == [], f"cells too narrow to read: {narrow[:5]}"
        text = table.inner_text()
        assert "never changed" in text and "only within" in text
        assert "how much the how much" not in text
        if width == "laptop":
            assert table.bounding_box()["width"] > 1000, "the table uses the page's width"
        table.scroll_into_view_if_needed()
        tab.screenshot(path=str(artifacts_dir / f"issue11-{width}-features.png"))
    finally:
        context.close()
