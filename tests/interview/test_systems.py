"""The real-systems table: every row has a source and a workbook link that resolves to a real heading."""

from __future__ import annotations

import re

import pytest

from dsworkbook.interview.links import check_link
from dsworkbook.interview.systems import SYSTEMS, systems_table

NAMES = ["DynamoDB (one Region)", "DynamoDB global tables", "Aurora", "S3", "Spanner", "CockroachDB", "Cassandra",
         "etcd", "ZooKeeper", "Kafka", "SQS", "Redis"]


def test_the_table_has_the_issues_systems_in_order():
    assert [s.system for s in SYSTEMS] == NAMES


@pytest.mark.parametrize("row", SYSTEMS, ids=lambda s: s.system)
def test_every_row_has_sources_and_a_link_to_a_real_heading(row):
    assert row.sources and all(len(src) > 20 for src in row.sources)
    # a source is a paper (authors, title, venue and year) or a document page named by its title
    assert all(re.search(r"(19|20)\d\d|documentation|Guid|KIP-\d+", src) for src in row.sources)
    check_link(row.workbook)
    assert all(getattr(row, f).strip() for f in ("pacelc", "protocol", "read_modes", "clocks"))


@pytest.mark.parametrize("system, field, phrase", [
    # the facts the issue names, pinned so an edit cannot drop them
    ("Aurora", "protocol", "write quorum 4/6, read quorum 3/6"),
    ("S3", "read_modes", "since December 2020"),
    ("Spanner", "clocks", "TrueTime"),
    ("CockroachDB", "clocks", "hybrid logical clocks"),
    ("Cassandra", "pacelc", "PA/EL (Abadi 2012)"),
    ("etcd", "protocol", "Raft"),
    ("ZooKeeper", "protocol", "Zab"),
    ("DynamoDB global tables", "clocks", "last writer wins"),
])
def test_pinned_facts(system, field, phrase):
    row = next(s for s in SYSTEMS if s.system == system)
    assert phrase in getattr(row, field)


def test_an_unsourced_class_is_marked_derived_or_not_published():
    for s in SYSTEMS:
        assert "Abadi" in s.pacelc or "derived" in s.pacelc or "not published" in s.pacelc \
            or "not stated" in s.pacelc or "MREC" in s.pacelc


def test_systems_table_is_a_dataframe_with_every_row():
    table = systems_table()
    assert list(table["system"]) == NAMES
    assert list(table.columns) == ["system", "PACELC", "protocol", "read modes", "clocks", "sources", "workbook"]
