"""The Practice page's key script (cue_trainer/app/keys.py) in a real headless browser, on a page
of its own that stands in for the Practice page: a status line whose phase the test sets, mark
buttons the test turns on and off with Streamlit's shortcut behaviour (a key clicks its button when
it is on), and the script in a frame of its own, as Streamlit serves it."""
from __future__ import annotations

import html

import pytest

from cue_trainer.app.keys import script
from cue_trainer.app.live_panels import MARKS_AFTER_BASELINE
from tests.browser import chromium

PAGE = """<!doctype html><body>
<div id="live-status" data-phase="calibrating"></div>
<div class="st-key-mark-slumped_posture"><button disabled onclick="clicks.push('1')"><kbd aria-label="Shortcut 1">1</kbd></button></div>
<div class="st-key-mark-low_energy"><button disabled onclick="clicks.push('2')"><kbd aria-label="Shortcut 2">2</kbd></button></div>
<script>
window.clicks = [];
// Streamlit's own button shortcuts: a key clicks the button showing it, when the button is on.
document.addEventListener("keydown", (e) => {
  const b = [...document.querySelectorAll("button")].find(b => b.querySelector(`kbd[aria-label="Shortcut ${e.key}"]`));
  if (b && !b.disabled) b.click();
});
</script>
<iframe srcdoc="{script}" height="1"></iframe>
</body>"""


@pytest.fixture(scope="module")
def page():
    with chromium() as browser:
        page = browser.new_page()
        page.set_content(PAGE.replace("{script}", html.escape(script(), quote=True)))
        page.wait_for_function("() => window.__cueTrainerKeys === true")
        yield page


def set_page(page, phase: str, buttons_on: bool) -> None:
    page.evaluate(f"""() => {{
        window.clicks.length = 0;
        document.querySelector('#live-status').dataset.phase = {phase!r};
        document.querySelectorAll('button').forEach(b => b.disabled = {str(not buttons_on).lower()});
    }}""")


def turn_buttons_on(page) -> None:
    page.evaluate("() => document.querySelectorAll('button').forEach(b => b.disabled = false)")


def test_a_key_pressed_as_the_status_line_says_practising_waits_for_its_button(page):
    """The status line and the mark grid are redrawn apart: the status line can say the baseline is
    done while the buttons are still off. The key used to be dropped then (the coach browser test
    lost its key 1 in a full run); it now waits for its button."""
    set_page(page, "practising", buttons_on=False)
    page.keyboard.press("1")
    assert page.evaluate("() => window.clicks") == []
    turn_buttons_on(page)
    page.wait_for_function("() => window.clicks.length === 1", timeout=10_000)
    assert page.evaluate("() => window.clicks") == ["1"]


def test_a_key_during_the_baseline_says_so_and_is_not_kept(page):
    set_page(page, "calibrating", buttons_on=False)
    page.keyboard.press("1")
    notice = page.locator("#mark-notice")
    notice.wait_for(state="visible", timeout=10_000)
    assert notice.inner_text() == MARKS_AFTER_BASELINE
    # The baseline ends; a later key is pressed at once, and the earlier one is not: kept keys are
    # pressed in order, so had it been kept it would come first.
    page.evaluate("() => document.querySelector('#live-status').dataset.phase = 'practising'")
    turn_buttons_on(page)
    page.keyboard.press("2")
    page.wait_for_function("() => window.clicks.length >= 1", timeout=10_000)
    assert page.evaluate("() => window.clicks") == ["2"]


@pytest.mark.parametrize("phase", ["paused", "ended"])
def test_a_key_while_paused_or_ended_does_nothing_later_either(page, phase):
    set_page(page, phase, buttons_on=False)
    page.keyboard.press("1")
    page.evaluate("() => document.querySelector('#live-status').dataset.phase = 'practising'")
    turn_buttons_on(page)
    page.keyboard.press("2")
    page.wait_for_function("() => window.clicks.length >= 1", timeout=10_000)
    assert page.evaluate("() => window.clicks") == ["2"]
