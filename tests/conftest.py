"""Tests known to fail until unfinished work lands; each is marked xfail (not strict) with why."""

from __future__ import annotations

import pytest

# node id -> reason; empty now that the explanation engine and the parser fixes have landed.
KNOWN_FAILURES: dict[str, str] = {}


def pytest_collection_modifyitems(config, items):
    for item in items:
        reason = KNOWN_FAILURES.get(item.nodeid)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
