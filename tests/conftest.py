"""Shared test fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """A store ingested from the demo data at a fifth of its size (every table, every year)."""
    from trygghet.data.demo import write_demo
    from trygghet.data.ingest import ingest

    base = tmp_path_factory.mktemp("demo")
    write_demo(base / "raw", seed=2580, scale=0.2)
    ingest(base / "raw", base / "store")
    return base / "store"
