"""The keyed store: what taskbelt remembers is used only under the key it was made from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taskbelt.state.store import FORMAT, KeyedStore


def test_round_trip_and_key_mismatch(tmp_path: Path) -> None:
    store = KeyedStore(tmp_path / "state")
    store.put("lint", "k1", {"result": {"status": "passed"}})
    assert store.get("lint", "k1") == {"result": {"status": "passed"}}
    assert store.get("lint", "k2") is None, "another key is a miss"
    assert store.key_of("lint") == "k1"
    store.put("lint", "k2", {"result": 2})
    assert store.get("lint", "k1") is None, "the newest entry replaces the last"
    store.drop("lint")
    store.drop("lint")
    assert store.get("lint", "k2") is None
    assert store.key_of("lint") is None


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        json.dumps({"key": "k", "value": {}}),  # no format: written by an older taskbelt
        json.dumps({"format": "other", "key": "k", "value": {}}),
        json.dumps({"format": FORMAT, "key": 1, "value": {}}),
        json.dumps({"format": FORMAT, "key": "k", "value": [1]}),
    ],
)
def test_unreadable_is_a_miss(tmp_path: Path, text: str) -> None:
    store = KeyedStore(tmp_path)
    store.path("x").write_text(text, encoding="utf-8")
    assert store.get("x", "k") is None
    assert store.key_of("x") is None


def test_a_failed_write_keeps_the_old_entry(tmp_path: Path) -> None:
    """A value that cannot be written leaves the last entry whole and no temporary file."""
    store = KeyedStore(tmp_path)
    store.put("plan", "k", {"sessions": ["lint"]})
    with pytest.raises(TypeError):
        store.put("plan", "k2", {"sessions": {object()}})
    assert store.get("plan", "k") == {"sessions": ["lint"]}
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
