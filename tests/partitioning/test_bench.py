"""bench/hashing.py keeps running: its core on a few keys, placement identical to uhashring's."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def test_the_hashing_bench_runs_and_agrees_with_uhashring():
    pytest.importorskip("uhashring")
    path = Path(__file__).resolve().parents[2] / "bench" / "hashing.py"
    spec = importlib.util.spec_from_file_location("bench_hashing", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    r = module.compare(keys=3000, repeats=1)
    assert r["same placement"] == 1.0 and r["batch equals single"] and r["ketama same placement"] == 1.0
    assert r["single ratio"] > 0 and r["batch ratio"] > 0
    assert r["ours max/mean"] == pytest.approx(r["uhashring max/mean"])
