"""A person's words inside Streamlit's Markdown stay the same characters (app/plain.py)."""
import pytest

from cue_trainer.app.plain import WORD_JOINER, plain
from tests.builders import shown


@pytest.mark.parametrize("text", [
    "Ana",  # nothing to escape
    "![t](http://host/x.png)",  # an image from anywhere
    "[a link](https://host/)",
    ":material/warning: :red[red]",  # Streamlit's icons and colours
    "$x^2$ and \\(y\\)",  # LaTeX
    "*b* _i_ `code` ~~s~~ <b>html</b>",
    "# heading",
    "back\\slash",
    "www.host.test and me@host.test",  # addresses GitHub's Markdown links by itself
])
def test_plain_text_reads_as_typed(text):
    out = plain(text)
    assert shown(out) == text
    assert "](" not in out.replace("\\]\\(", "") and "http:" not in out and "www." not in out


def test_a_line_break_does_not_start_a_block_of_its_own():
    assert shown(plain("Ana\n# not a heading\r\n- nor a list")) == "Ana # not a heading - nor a list"


def test_addresses_are_kept_from_being_linked_by_an_invisible_joiner():
    assert plain("http://x") == f"http{WORD_JOINER}\\:\\/\\/x"
