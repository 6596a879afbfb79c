"""The znode tree, one test per rule of ZooKeeper's data model (Programmer's Guide)."""

from __future__ import annotations

import pytest

from dsworkbook.coordination import (BadArguments, BadVersion, NoChildrenForEphemerals, NodeExists, NoNode, NotEmpty,
                                     ZnodeTree, check_path)
from dsworkbook.errors import ConfigError


def test_a_sequential_znode_gets_a_ten_digit_counter_of_its_parent():
    tree = ZnodeTree()
    tree.create("/q", None, zxid=1)
    first = tree.create("/q/n-", None, zxid=2, sequential=True)
    second = tree.create("/q/n-", None, zxid=3, sequential=True)
    assert (first, second) == ("/q/n-0000000000", "/q/n-0000000001")


def test_sequence_numbers_are_never_reused_after_a_delete():
    tree = ZnodeTree()
    tree.create("/q", None, zxid=1)
    a = tree.create("/q/n-", None, zxid=2, sequential=True)
    tree.delete(a, version=-1)
    b = tree.create("/q/n-", None, zxid=3, sequential=True)
    assert int(b[-10:]) > int(a[-10:])


def test_the_broken_counter_reuses_a_deleted_number():
    tree = ZnodeTree(reuse_sequence=True)
    tree.create("/q", None, zxid=1)
    a = tree.create("/q/n-", None, zxid=2, sequential=True)
    tree.delete(a, version=-1)
    assert tree.create("/q/n-", None, zxid=3, sequential=True) == a


def test_a_conditional_set_fails_on_a_version_that_moved_on():
    tree = ZnodeTree()
    tree.create("/c", "v0", zxid=1)
    stat = tree.set("/c", "v1", version=0, zxid=2)
    assert (stat.version, stat.czxid, stat.mzxid) == (1, 1, 2)
    with pytest.raises(BadVersion):
        tree.set("/c", "v2", version=0, zxid=3)
    with pytest.raises(BadVersion):
        tree.delete("/c", version=0)
    assert tree.get("/c")[0] == "v1"


@pytest.mark.parametrize("setup, action, error", [
    # create under a missing parent, sequential or not
    ((), lambda t: t.create("/missing/child", None, zxid=9), NoNode),
    ((), lambda t: t.create("/missing/n-", None, zxid=9, sequential=True), NoNode),
    # twice the same path
    (("/a",), lambda t: t.create("/a", None, zxid=9), NodeExists),
    # a znode with children cannot be deleted
    (("/a", "/a/b"), lambda t: t.delete("/a", version=-1), NotEmpty),
    # reading or deleting what is not there
    ((), lambda t: t.get("/nope"), NoNode),
    ((), lambda t: t.delete("/nope", version=-1), NoNode),
])
def test_refused_operations_raise_the_zookeeper_error(setup, action, error):
    tree = ZnodeTree()
    for i, p in enumerate(setup):
        tree.create(p, None, zxid=i + 1)
    before = list(tree.paths())
    with pytest.raises(error):
        action(tree)
    assert list(tree.paths()) == before


def test_an_ephemeral_znode_cannot_have_children():
    tree = ZnodeTree()
    tree.create("/e", None, zxid=1, ephemeral_owner=7)
    with pytest.raises(NoChildrenForEphemerals):
        tree.create("/e/c", None, zxid=2)
    assert tree.ephemerals_of(7) == ["/e"]


@pytest.mark.parametrize("bad", ["locks", "", "/a/", "/a//b", "/a/./b", "/..", None, 3])
def test_a_malformed_path_is_a_config_error_that_says_why(bad):
    with pytest.raises(ConfigError) as info:
        check_path(bad)
    assert isinstance(info.value, BadArguments)
    assert "path" in str(info.value)


def test_a_path_without_a_leading_slash_suggests_the_fix():
    with pytest.raises(BadArguments, match=r"must start with '/' \(try '/locks'\)"):
        ZnodeTree().create("locks", None, zxid=1)
