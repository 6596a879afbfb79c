"""The real-server fixtures (tests/fixtures/servers.py) for the tests in this folder."""

from tests.fixtures.servers import postgres  # noqa: F401
