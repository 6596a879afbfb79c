"""dw.table shows a DataFrame whole: every row, every cell's full text, wrapped rather than cut."""

from __future__ import annotations

import pandas as pd
import pytest

import dsworkbook as dw
from dsworkbook.errors import ConfigError

LONG = "the read returned a value that had been overwritten before it began " * 3


def test_text_form_keeps_every_row_and_the_whole_text_of_every_cell():
    frame = pd.DataFrame({"history": [f"h{i}" for i in range(80)], "why": [LONG] * 80})
    text = repr(dw.table(frame))
    assert text.count("\n") == 80 and LONG.strip() in text and "..." not in text


def test_html_form_wraps_long_text_instead_of_cutting_it():
    html = dw.table(pd.DataFrame({"why": [LONG]}), wrap=40)._repr_html_()
    assert LONG.strip() in html and "pre-wrap" in html and "max-width: 40ch" in html


@pytest.mark.parametrize("frame, wrap, words", [
    ([1, 2], 60, "DataFrame"),
    (pd.DataFrame({"a": [1]}), 3, "10 or more"),
])
def test_bad_arguments_say_what_to_pass(frame, wrap, words):
    with pytest.raises(ConfigError, match=words):
        dw.table(frame, wrap=wrap)
