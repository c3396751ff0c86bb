"""Fixtures for the jobs tests: a loopback Redis for the Celery backend (skipped without one outside CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.jobs.cluster import RedisServer, find_redis


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A Redis for this module's tests, stopped at the end."""
    binary = find_redis()
    if binary is None:
        if os.environ.get("CI"):
            raise RuntimeError("CI must test the Celery backend but redis-server is not installed")
        pytest.skip("redis-server is not installed (apt-get install redis-server; CI installs it)")
    server = RedisServer(binary, Path(tmp_path_factory.mktemp("redis")))
    server.start()
    try:
        yield server
    finally:
        server.stop()
