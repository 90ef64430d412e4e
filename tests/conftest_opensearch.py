"""Fixtures for the tests that need a real OpenSearch cluster (see tests/opensearch_cluster.py).

They skip only where the tools to run a cluster are absent (no JDK, or no Maven to build the launcher); on a
developer's machine and on CI both are present, so there the tests run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opensearch_cluster import Cluster, start_cluster, tools_missing


def _require_tools() -> None:
    reason = tools_missing()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def opensearch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A one-node cluster on free loopback ports, shared by the whole session; tests use their own index names."""
    _require_tools()
    cluster = start_cluster(nodes=1, tmp_path=tmp_path_factory.mktemp("opensearch"))
    yield cluster
    cluster.stop()


@pytest.fixture
def opensearch_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A fresh two-node cluster (node-0 manager and data, node-1 data), for tests that kill a node."""
    _require_tools()
    cluster = start_cluster(nodes=2, tmp_path=tmp_path_factory.mktemp("opensearch-pair"))
    yield cluster
    cluster.stop()
