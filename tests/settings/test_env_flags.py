"""On/off environment variables: one parser, pydantic's words, a typo is an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_two_line_error, taskbelt
from pydantic import TypeAdapter, ValidationError

from taskbelt.environments import matrix
from taskbelt.errors import ConfigError
from taskbelt.frontends import entry_point
from taskbelt.results import CheckResult, RunSummary, Status
from taskbelt.settings import env_flags

WORDS = ["1", "0", "on", "OFF", " yes ", "no", "true", "False", "t", "f", "y", "n", ""]


@pytest.mark.parametrize("word", WORDS)
def test_same_words_as_a_boolean_setting(word: str) -> None:
    """A TASKBELT_* flag means what the same word means for a pydantic boolean setting."""
    expected = False if not word.strip() else TypeAdapter(bool).validate_python(word.strip())
    assert env_flags.parse(word) is expected


def test_anything_else_is_neither() -> None:
    assert env_flags.parse("maybe") is None
    with pytest.raises(ValidationError):
        TypeAdapter(bool).validate_python("maybe")
    with pytest.raises(ConfigError) as info:
        env_flags.flag({"TASKBELT_NO_CACHE": "maybe"}, "TASKBELT_NO_CACHE")
    assert info.value.cause == "TASKBELT_NO_CACHE='maybe' is neither on nor off"


def test_ci_is_read_leniently() -> None:
    """CI belongs to the runner: any other value is simply not CI."""
    assert matrix.in_ci({"CI": "on"})
    assert not matrix.in_ci({"CI": "maybe"})
    assert not matrix.in_ci({})


@pytest.mark.parametrize("name", ["TASKBELT_NO_CACHE", "TASKBELT_VERBOSE"])
def test_a_typo_is_exit_2(tmp_path: Path, name: str) -> None:
    """Through the console entry point (the fast door first), a bad value names the variable."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '0'\n")
    done = taskbelt(tmp_path, "check", env={name: "maybe"})
    assert_two_line_error(done, f"{name}='maybe' is neither on nor off")


@pytest.mark.parametrize("name", ["TASKBELT_NO_CACHE", "TASKBELT_VERBOSE"])
def test_the_fast_answer_leaves_a_typo_to_the_full_path(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even where the cache would answer, a bad flag value goes to the full path (which errors)."""
    summary = RunSummary((CheckResult("lint", Status.PASSED, 0.0, "cached: ok"),), ())
    monkeypatch.setattr(entry_point, "cached_summary", lambda *_: summary)
    (tmp_path / "pyproject.toml").write_text("")
    argv = ["--root", str(tmp_path), "run", "lint"]
    assert entry_point.answer(argv, {}) == 0, "the stand-in cache answers a clean environment"
    assert entry_point.answer(argv, {name: "maybe"}) is None
