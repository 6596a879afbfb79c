"""The cheat sheet: every themed notebook's summary and interview questions on one printable page.

Theory of operation
-------------------
Every themed notebook (``notebooks/NN_*.ipynb``, ``NN`` two digits, a letter allowed after them as
in ``06b_``) ends with the same two sections, "What interviewers ask" and "Summary"; several also
carry an "In AWS terms" section or box. :func:`sheet_sections` reads those sections from a
notebook's markdown - a section runs from its ``## N · Title`` heading to the next ``#``/``##``
heading, across cells; a box (a quote starting ``> **In AWS terms.**``) joins the AWS section
wherever it stands - and :func:`cheatsheet_notebook` builds one notebook of markdown cells
from them: a cover page listing the themes, then per notebook its title, its summary, its
interview questions and its AWS box, in that order (the summary first: it is what a reader
revises the night before). The summaries' closing "**Exercises.**" paragraph points into the
workspace and is left out.

:func:`export_cheatsheet` renders that notebook with nbconvert's ``HTMLExporter`` (the ``lab``
template) and adds a print stylesheet: each theme starts on a new page (the first cell of a
theme carries the tag ``theme``, which the template turns into the class ``celltag_theme``), and
the screen-only parts of the template are hidden. Printing the page from a browser (or "Save as
PDF") gives one theme per page; a long theme runs over onto a second.

Nothing is copied by hand: the sheet is rebuilt from the notebooks each time, so it cannot drift
from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook

from dsworkbook.errors import ConfigError

__all__ = ["SECTIONS", "THEMED", "themed_notebooks", "sheet_sections", "cheatsheet_notebook",
           "export_cheatsheet", "CheatsheetReport", "PRINT_CSS"]

#: The sections a sheet shows, in the order it shows them.
SECTIONS = ("Summary", "What interviewers ask", "In AWS terms")
#: A themed notebook's file name: two digits, an optional letter, an underscore.
THEMED = re.compile(r"^\d{2}[a-z]?_.+\.ipynb$")
_HEADING = re.compile(r"^(#{1,2})\s+(?:\d+\s*·\s*)?(?P<title>.+?)\s*$")
_AWS_BOX = re.compile(r"^>\s*\*\*In AWS terms\.?\*\*")

PRINT_CSS = """
<style>
.cheatsheet-cover li { margin: 2px 0; }
@page { size: A4; margin: 12mm 12mm 14mm; }
@media print {
  :root { --jp-content-font-size1: 8.5pt; --jp-code-font-size: 8pt; --jp-content-line-height: 1.3; }
  .jp-Cell, .jp-Cell-inputWrapper, .jp-InputArea, .jp-Notebook { display: block !important; }
  .jp-Cell, .jp-Notebook { padding: 0 !important; margin: 0 !important; }
  .jp-InputPrompt, .jp-Collapser, .anchor-link { display: none !important; }
  .jp-RenderedMarkdown { padding: 0 !important; }
  .jp-RenderedHTMLCommon h1 { font-size: 15pt; margin: 0 0 4pt; }
  .jp-RenderedHTMLCommon h2 { font-size: 11pt; margin: 6pt 0 3pt; }
  .jp-RenderedHTMLCommon p, .jp-RenderedHTMLCommon ul { margin: 0 0 4pt; }
  .jp-RenderedHTMLCommon li { margin: 0 0 1pt; }
  .celltag_theme { break-before: page; page-break-before: always; }
  .sheet-section { column-count: 2; column-gap: 7mm; }
  .sheet-section.wide { column-count: 1; }
  .jp-RenderedHTMLCommon blockquote { margin: 0 0 4pt; padding: 0 0 0 6pt; }
  h1, h2 { break-after: avoid; page-break-after: avoid; }
  li, p { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
</style>
"""


def themed_notebooks(root: Path) -> list[Path]:
    """The themed notebooks under ``root/notebooks``, in file-name order."""
    folder = Path(root) / "notebooks"
    found = sorted(p for p in folder.glob("*.ipynb") if THEMED.match(p.name)) if folder.is_dir() else []
    if not found:
        raise ConfigError(f"no themed notebooks (NN_name.ipynb) in {folder}; is {root} the workbook's repository?")
    return found


def _wanted(title: str) -> str | None:
    """The section of :data:`SECTIONS` that a heading's title opens, if any."""
    return next((s for s in SECTIONS if title.lower().startswith(s.lower())), None)


def _drop_exercises(text: str) -> str:
    """A summary without its closing "**Exercises.**" paragraph (it points into the workspace)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(p for p in paragraphs if not p.lstrip().startswith("**Exercises.**"))


def sheet_sections(path: Path) -> tuple[str, dict[str, str]]:
    """A notebook's title (its ``#`` heading) and the markdown of each wanted section it has."""
    nb = nbformat.read(str(path), as_version=4)
    title, current = Path(path).stem, None
    found: dict[str, list[str]] = {}
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        box: list[str] | None = None
        for line in lines:
            m = _HEADING.match(line)
            if m:
                if m[1] == "#":
                    title, current = line.lstrip("# ").strip(), None
                else:
                    current = _wanted(m["title"])
                continue
            if current != "In AWS terms" and (_AWS_BOX.match(line) or (box is not None and line.startswith(">"))):
                box = (box or []) + [line]            # a box goes to its own section, wherever it stands
                continue
            if box:
                found.setdefault("In AWS terms", []).extend(box + [""])
            box = None
            if current is not None:
                found.setdefault(current, []).append(line)
        if box:
            found.setdefault("In AWS terms", []).extend(box + [""])
        for section in found:
            found[section].append("")
    texts = {s: re.sub(r"\n{3,}", "\n\n", "\n".join(found.get(s, ())).strip()) for s in SECTIONS}
    out = {s: text for s, text in texts.items() if text}
    if "Summary" in out:
        out["Summary"] = _drop_exercises(out["Summary"])
    return title, out


def cheatsheet_notebook(root: Path) -> tuple[nbformat.NotebookNode, list[str]]:
    """The sheet as a notebook of markdown cells, and the names of the notebooks on it."""
    pages, names = [], []
    for path in themed_notebooks(root):
        title, sections = sheet_sections(path)
        if not sections:
            continue            # a notebook without a summary (the start page) has no sheet
        cells = [new_markdown_cell(f"# {title}\n\n*From `notebooks/{path.name}`.*", metadata={"tags": ["theme"]})]
        cells += [new_markdown_cell(f"## {name}\n\n<div class=\"sheet-section{' wide' if text.startswith('>') else ''}\">"
                                    f"\n\n{text}\n\n</div>") for name, text in sections.items()]
        pages.append(cells)
        names.append(path.name)
    if not pages:
        raise ConfigError(f"no notebook under {Path(root) / 'notebooks'} has a Summary or What interviewers ask section")
    themes = "\n".join(f"* {page[0].source.splitlines()[0].lstrip('# ')}" for page in pages)
    cover = new_markdown_cell(
        "# dsworkbook · cheat sheet\n\n<div class=\"cheatsheet-cover\">\n\n"
        "Each themed notebook's summary, the questions interviewers ask and, where the notebook has "
        "one, its AWS box - one theme per printed page. The figures are the ones the notebooks "
        f"measured; rebuild it with `dsworkbook cheatsheet --out cheatsheet.html`.\n\n{themes}\n\n</div>")
    nb = new_notebook(cells=[cover] + [c for page in pages for c in page],
                      metadata={"title": "dsworkbook cheat sheet"})
    return nb, names


@dataclass(frozen=True)
class CheatsheetReport:
    """What :func:`export_cheatsheet` wrote."""

    path: Path
    notebooks: list[str]
    size: int

    def __str__(self) -> str:
        return (f"wrote {self.path} ({self.size / 1024:.0f} KiB): {len(self.notebooks)} notebooks, one per printed "
                "page; open it in a browser and print it (or save it as PDF).")


def export_cheatsheet(out: Path, root: Path) -> CheatsheetReport:
    """Write the cheat sheet of the notebooks under ``root`` to ``out`` (an ``.html`` file)."""
    from nbconvert import HTMLExporter

    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"the cheat sheet is an HTML page; give a file ending in .html, got {out.name!r}")
    if not out.parent.is_dir():
        raise ConfigError(f"cannot write {out}: the folder {out.parent} does not exist")
    nb, names = cheatsheet_notebook(root)
    exporter = HTMLExporter(template_name="lab")
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": "dsworkbook cheat sheet"}})
    html = html.replace("</head>", PRINT_CSS + "</head>", 1)
    out.write_text(html, encoding="utf-8")
    return CheatsheetReport(out, names, len(html.encode("utf-8")))
