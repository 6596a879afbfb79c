"""The consistency explorer of notebook 03, driven headless."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import dsworkbook as dw  # noqa: E402
from dsworkbook.checkers.gallery import EXPECTED, GALLERY  # noqa: E402
from dsworkbook.widgets.consistency import GENERATED, OWN, ConsistencyExplorer  # noqa: E402

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def panel() -> ConsistencyExplorer:
    return dw.widgets.consistency_explorer(example="stale read")


def test_it_runs_at_once_and_shows_the_strongest_model(panel):
    assert panel.error is None and panel.verdict_text.startswith("seed: 3 — strongest: sequential — not linearizable")
    assert bytes(panel.diagram.value).startswith(PNG)
    assert list(panel.result.table["level"]) == list(dw.checkers.LADDER)


@pytest.mark.parametrize("name", sorted(GALLERY))
def test_every_gallery_entry_shows_its_level_and_fills_the_text_box(panel, name):
    panel.set(example=name)
    assert panel.result.data["classification"].strongest == EXPECTED[name]
    assert panel.values["text"] == GALLERY[name].strip("\n")


def test_editing_the_drawing_switches_to_your_own(panel):
    panel.set(example="flip-flop")
    panel.set(text="A: [w 1]\nB:       [r 1]")
    assert panel.values["example"] == OWN and panel.verdict_text.endswith("strongest: linearizable")


def test_a_drawing_that_cannot_be_read_is_shown_as_an_error(panel):
    panel.set(example=OWN, text="A: [w 1")
    assert panel.result is None and "outside [...]" in panel.verdict_text
    panel.set(example="stale read")
    assert panel.error is None


@pytest.mark.parametrize("example", sorted(GENERATED))
def test_generated_histories_come_from_the_seed(panel, example):
    panel.set(example=example, seed=11)
    first = panel.result.data["history"]
    panel.set(seed=12)
    panel.set(seed=11)
    assert panel.result.data["history"] == first and panel.verdict_text.startswith("seed: 11")


def test_the_evidence_shown_follows_the_chosen_level(panel):
    panel.set(example="opposite orders", show="sequential")
    assert panel.result.data["classification"]["sequential"].ok is False
    panel.set(show="causal")
    assert bytes(panel.diagram.value).startswith(PNG) and panel.error is None
