"""The pitfall review notebook (I03) covers every drill, and every themed notebook has one AWS box.

The notebook's drill table is built from the registry at run time; these tests check the text
a reader sees without running it: every drill exercise and every broken campaign variant is
named in the notebook's prose, in interview order, and each of notebooks 01-14 carries exactly
one "In AWS terms" box, just before its "What interviewers ask" section, with a source per claim.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dsworkbook import grading
from dsworkbook.campaigns import all_campaigns
from dsworkbook.catalog import repo_root
from dsworkbook.grading.build import read_notebook

ROOT = repo_root()
REVIEW = ROOT / "notebooks" / "15b_pitfall_review.ipynb"
MARK = "> **In AWS terms.**"
THEMED = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb")
                if re.match(r"(0[1-9]|1[0-4])_", p.name))
#: words that mark a cited source in a box
SOURCE = re.compile(r"Developer Guide|User Guide|API Reference|Prescriptive Guidance|Builders' Library|"
                    r"Elhemali et al\.|Verbitski et al\.|News Blog|Database Blog|github\.com/aws/clock-bound")
#: a parenthesised citation: "(Amazon SQS Developer Guide, ...)", "(Elhemali et al., ...)", "(same page)"
CITATION = re.compile(r"\((?:[^()]|`[^`]*`)*(?:Guide|Reference|Guidance|et al\.|Blog|README|same page|same paper|"
                      r"same article)[^()]*\)")
#: the interview order of the stages, as the notebook's section headings must follow it
ORDER = ["Requirements and consistency", "Replication and quorums", "Clocks", "Consensus", "Locks and leases",
         "Coordination", "Partitioning", "Queues", "Transactions", "Regions"]


def _source(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def _cells(path: Path, kind: str) -> list[str]:
    return [_source(c) for c in read_notebook(path).cells if c.cell_type == kind]


def test_the_review_mentions_i03_and_imports_the_package_only():
    text = "\n".join(_cells(REVIEW, "markdown"))
    assert "I03" in text
    first = _cells(REVIEW, "code")[0]
    assert "import dsworkbook as dw" in first


def test_the_drill_table_is_built_from_the_registry():
    code = "\n".join(_cells(REVIEW, "code"))
    assert "dw.grading.registry()" in code and 'kind == "drill"' in code
    assert "all_campaigns()" in code and "camp.variants" in code


@pytest.mark.parametrize("exercise_id", sorted(i for i, ex in grading.registry().items() if ex.kind == "drill"))
def test_every_drill_has_its_paragraph(exercise_id):
    prose = "\n".join(_cells(REVIEW, "markdown"))
    assert f"**`{exercise_id}`**" in prose, f"{exercise_id} has no paragraph in the pitfall review"
    theme = exercise_id[:2]
    assert re.search(rf"`workspace/{theme}_\w+\.ipynb`", prose)


def test_every_broken_campaign_variant_is_named():
    prose = "\n".join(_cells(REVIEW, "markdown"))
    missing = [f"{name} {v}" for name, camp in all_campaigns().items() for v in camp.variants[1:]
               if f"`{v}`" not in prose]
    assert not missing


def test_the_stages_come_in_interview_order():
    heads = [m.group(1) for text in _cells(REVIEW, "markdown")
             for m in re.finditer(r"^## \d+ · (.+)$", text, flags=re.M)]
    stages = [h for h in heads if h in ORDER]
    assert stages == ORDER


def test_there_is_a_themed_notebook_for_each_of_the_fourteen_themes():
    assert len(THEMED) == 14 and not any(p.name.startswith("06b") for p in THEMED)


@pytest.mark.parametrize("path", THEMED, ids=lambda p: p.name[:2])
def test_each_themed_notebook_has_one_aws_box_before_what_interviewers_ask(path):
    cells = [c for c in read_notebook(path).cells]
    boxes = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and _source(c).startswith(MARK)]
    assert len(boxes) == 1, f"{path.name}: {len(boxes)} boxes"
    asks = [i for i, c in enumerate(cells)
            if c.cell_type == "markdown" and re.match(r"## .*What interviewers ask", _source(c))]
    # before the interview questions; a notebook without that section ends with the box
    assert boxes[0] + 1 == (asks[0] if asks else len(cells))


@pytest.mark.parametrize("path", THEMED, ids=lambda p: p.name[:2])
def test_each_aws_box_is_short_and_cites_its_sources(path):
    box = next(t for t in _cells(path, "markdown") if t.startswith(MARK))
    plain = re.sub(r"\([^)]*\)", "", box.replace(">", " "))
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z`])", plain) if s.strip()]
    assert 3 <= len(sentences) <= 6, f"{path.name}: {len(sentences)} sentences"
    assert SOURCE.search(box), f"{path.name}: the box names no source"
    # a parenthesised citation closes the box's claims: at least one per two sentences
    assert 2 * len(CITATION.findall(box)) >= len(sentences) - 1
