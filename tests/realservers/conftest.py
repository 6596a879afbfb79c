"""The real-server fixtures (tests/fixtures/servers.py) for the tests in this folder."""

from tests.fixtures.servers import postgres, redis1, redis5, redis6, redis_factory, zookeeper  # noqa: F401
