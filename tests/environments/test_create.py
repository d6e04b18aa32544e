"""Environments made once, even when two checks need the same one at the same moment."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import MakeRepo

from taskbelt.environments import create


def test_two_checks_needing_one_environment_take_turns(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """lint's tools are also the audit's: their two threads never build the folder at once.

    Seen in CI: both ran ``uv venv --clear`` on the same folder, and the second
    refused to clear what the first was still making (audit: error).
    """
    project = make_repo()
    inside, most = [0], [0]
    guard = threading.Lock()

    def building(venv: Path, *_: object) -> None:
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.05)
        with guard:
            inside[0] -= 1

    monkeypatch.setattr(create, "create_venv", building)
    monkeypatch.setattr(create, "install_tools", building)
    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(lambda _: create.tool_env(project, "lint"), range(4)))
    assert len(set(made)) == 1
    assert most == [1], "two threads built the same environment at once"
    other = [create.tool_env(project, "audit"), create.tool_env(project, "lint")]
    assert other[0] != other[1]
