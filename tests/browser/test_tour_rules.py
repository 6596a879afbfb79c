"""Rules of the notebook tour that need no browser: CI never skips it, shards cover every notebook,
and nbval gives way to the tour only when the tour runs."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.browser import lab
from tests.browser.tour import SHARDS, shard
from tests.conftest import nbval_items_to_deselect


def test_without_chromium_a_learner_is_told_how_to_install_it_but_ci_fails(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        lab.browser_or_skip()
    assert lab.browser_available() is False
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but no Chromium"):
        lab.browser_or_skip()


def test_the_shards_tour_every_notebook_exactly_once(monkeypatch):
    on_disk = sorted(p.name for p in (lab.ROOT / "notebooks").glob("*.ipynb"))
    for setting in (None, "all"):
        if setting is None:
            monkeypatch.delenv("DSW_BROWSER_TOUR", raising=False)
        else:
            monkeypatch.setenv("DSW_BROWSER_TOUR", setting)
        toured = [nb for name in SHARDS for nb in shard(name)]
        assert sorted(toured) == on_disk and len(on_disk) > 0
    monkeypatch.setenv("DSW_BROWSER_TOUR", "06b, 01")
    assert sorted(nb for name in SHARDS for nb in shard(name)) == ["01_network_and_fallacies.ipynb",
                                                                    "06b_raft_in_production.ipynb"]
    monkeypatch.setenv("DSW_BROWSER_TOUR", "99")
    with pytest.raises(pytest.UsageError, match="names no notebook"):
        shard("a")
    shard_files = sorted(p.stem for p in Path(__file__).parent.glob("test_tour_?.py"))
    assert shard_files == [f"test_tour_{name}" for name in SHARDS]


class _Item(SimpleNamespace):
    def get_closest_marker(self, name):
        return "browser" if self.browser and name == "browser" else None


def _nbval(folder: str, name: str) -> _Item:
    return _Item(path=lab.ROOT / folder / name, browser=False)


def _tour(name: str) -> _Item:
    return _Item(path=Path(__file__), browser=True, callspec=SimpleNamespace(params={"notebook": name}))


@pytest.mark.parametrize("browser, tour_of, expected", [
    (True, ["07_paxos.ipynb"], ["notebooks/07_paxos.ipynb"]),   # the toured notebook leaves nbval
    (True, [], []),                                            # tour filtered out (-k, -m): nbval keeps all
    (False, ["07_paxos.ipynb"], []),                           # no browser: nbval runs as before
])
def test_nbval_gives_way_only_to_a_tour_that_runs(browser, tour_of, expected):
    items = [_nbval("notebooks", "07_paxos.ipynb"), _nbval("notebooks", "08_byzantine.ipynb"),
             _nbval("solutions", "07_paxos.ipynb")] + [_tour(nb) for nb in tour_of]
    dropped = nbval_items_to_deselect(items, browser)
    assert [str(Path(i.path).relative_to(lab.ROOT)) for i in dropped] == expected
