"""The cheat sheet: every themed notebook's Summary and "What interviewers ask" (and AWS box), read
from the real notebooks, rendered by nbconvert as one printable page, one theme per printed page."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dsworkbook.errors import ConfigError
from dsworkbook.interview.cheatsheet import (PRINT_CSS, cheatsheet_notebook, export_cheatsheet, sheet_sections,
                                             themed_notebooks)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = [p for p in themed_notebooks(ROOT) if not p.name.startswith("00_")]
#: The notebooks of themes T01-T14 end with both sections (the skeleton of every themed notebook).
MECHANISMS = [p for p in NOTEBOOKS if 1 <= int(p.name[:2]) <= 14]


@pytest.fixture(scope="module")
def sheet(tmp_path_factory) -> tuple[Path, object]:
    """The sheet of the real notebooks, exported once for the tests that read it."""
    out = tmp_path_factory.mktemp("sheet") / "cheatsheet.html"
    return out, export_cheatsheet(out, ROOT)


def write(cells: list, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells), str(path))
    return path


@pytest.mark.parametrize("path", MECHANISMS, ids=lambda p: p.name)
def test_every_themed_notebook_gives_its_summary_and_interview_questions(path):
    title, sections = sheet_sections(path)
    assert re.match(r"^\d{2}[a-z]? · ", title)
    assert {"Summary", "What interviewers ask"} <= set(sections)
    assert "**Exercises.**" not in sections["Summary"] and "## " not in sections["Summary"]
    assert sections["What interviewers ask"].startswith("**")          # the first question, not a stray line


def test_sections_run_across_cells_to_the_next_heading_and_aws_boxes_are_kept(tmp_path):
    nb = write([
        new_markdown_cell("# 42 · A theme\n\n## 1 · The idea\n\nnot on the sheet"),
        new_code_cell("print('not on the sheet')"),
        new_markdown_cell("> **In AWS terms.** A box (Source: a page).\n> Its second line.\n\nafter the box"),
        new_markdown_cell("## 2 · What interviewers ask\n\n**\"Q?\"** A."),
        new_markdown_cell("**\"Q2?\"** B.\n\n## 3 · Summary\n\n* one\n* two\n\n> **In AWS terms.** Inside.\n\n"
                          "**Exercises.** Run `dsworkbook start`."),
        new_markdown_cell("## 4 · Further reading\n\nnot on the sheet"),
    ], tmp_path / "notebooks" / "42_theme.ipynb")
    title, sections = sheet_sections(nb)
    assert title == "42 · A theme"
    assert sections == {"Summary": "* one\n* two",
                        "What interviewers ask": "**\"Q?\"** A.\n\n**\"Q2?\"** B.",
                        "In AWS terms": "> **In AWS terms.** A box (Source: a page).\n> Its second line.\n\n"
                                        "> **In AWS terms.** Inside."}
    sheet, names = cheatsheet_notebook(tmp_path)
    assert names == ["42_theme.ipynb"]
    assert [c.metadata.get("tags") for c in sheet.cells] == [None, ["theme"], None, None, None]
    assert [c.source.splitlines()[0] for c in sheet.cells[2:]] == ["## Summary", "## What interviewers ask",
                                                                  "## In AWS terms"]


def test_the_sheet_of_the_real_notebooks_has_one_page_per_notebook_in_order(sheet):
    out, report = sheet
    html = out.read_text(encoding="utf-8")
    on_sheet = [p for p in NOTEBOOKS if sheet_sections(p)[1]]
    assert report.notebooks == [p.name for p in on_sheet] and set(MECHANISMS) <= set(on_sheet)
    assert html.count("celltag_theme") == len(on_sheet) + html.count(".celltag_theme")
    assert PRINT_CSS.strip() in html and "<title>dsworkbook cheat sheet</title>" in html
    starts = [html.index(f"notebooks/{p.name}") for p in on_sheet]
    assert starts == sorted(starts)
    for heading in ("Summary", "What interviewers ask"):
        assert html.count(f">{heading}<") >= len(MECHANISMS)
    assert "R + W &gt; N" in html                               # notebook 02's summary, escaped as HTML


@pytest.mark.parametrize("out, message", [("sheet.pdf", "a file ending in .html"), ("missing/sheet.html", "does not exist")])
def test_a_bad_output_is_a_clear_error(tmp_path, out, message):
    with pytest.raises(ConfigError, match=message):
        export_cheatsheet(tmp_path / out, ROOT)


def test_a_folder_without_themed_notebooks_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no themed notebooks"):
        cheatsheet_notebook(tmp_path)
    write([new_markdown_cell("# 00 · Start\n\n## 1 · Hello")], tmp_path / "notebooks" / "00_start.ipynb")
    with pytest.raises(ConfigError, match="has a Summary"):
        cheatsheet_notebook(tmp_path)


@pytest.mark.browser
@pytest.mark.slow
def test_printed_each_theme_starts_a_new_page(sheet):
    from tests.browser.lab import CHROMIUM_ARGS
    from tests.browser.lab import browser_or_skip as _browser_or_skip

    chromium = _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(sheet[0].as_uri())
            page.emulate_media(media="print")
            on_sheet = page.evaluate("() => document.querySelectorAll('.celltag_theme').length")
            breaks = page.evaluate("() => [...document.querySelectorAll('.celltag_theme')]"
                                   ".map(e => getComputedStyle(e).breakBefore)")
            pdf = page.pdf(format="A4")
        finally:
            browser.close()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert on_sheet >= len(MECHANISMS) and breaks == ["page"] * on_sheet
    assert pages >= 1 + on_sheet
