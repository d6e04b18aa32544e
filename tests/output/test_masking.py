"""The masker: what is a secret, what is not, and each boundary it guards."""

from __future__ import annotations

import io
import json
import logging
import os
from pathlib import Path

import pytest

from taskbelt.errors import ConfigError
from taskbelt.output import console, masking
from taskbelt.output.masking import Masker
from taskbelt.output.report import github, json_report
from taskbelt.results import CheckResult, RunSummary, Status
from taskbelt.settings.model import load_settings

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCY"  # the value the tests hunt for
DIGEST = "sha256:" + "0123456789abcdef" * 4
IMAGE = f"docker.io/library/python:3.12@{DIGEST}"


def masker(**env: str) -> Masker:
    return Masker.from_environ(env)


class TestWhatIsASecret:
    @pytest.mark.parametrize(
        "name",
        [
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "DB_PASSWORD",
            "SMTP_PASSWD",
            "OPENAI_API_KEY",
            "DEPLOY_PRIVATE_KEY",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "my_token",
        ],
    )
    def test_names_that_say_secret(self, name: str) -> None:
        assert masker(**{name: SECRET}).text(f"value={SECRET}.") == "value=***."

    def test_other_names_are_not_secret(self) -> None:
        assert masker(HOME="/home/someone").text("in /home/someone") == "in /home/someone"

    def test_short_values_are_not_masked(self) -> None:
        """`true`, `1`, `abc12`: masking them would mask ordinary text everywhere."""
        text = "5 passed, true, abc12"
        assert masker(CI_TOKEN="true", N_SECRET="5", X_PASSWORD="abc12").text(text) == text

    def test_six_characters_are_masked(self) -> None:
        assert masker(X_PASSWORD="abc123").text("pw abc123") == "pw ***"

    def test_ordinary_text_inside_a_secret_is_left(self) -> None:
        """Only the whole value is masked, not the words it happens to contain."""
        m = masker(API_KEY="release-2024-alpha")
        assert m.text("release notes for 2024: alpha") == "release notes for 2024: alpha"

    def test_overlapping_values_are_both_masked(self) -> None:
        m = masker(A_TOKEN="abcdefgh", B_TOKEN="abcdefgh-longer")
        assert m.text("abcdefgh-longer and abcdefgh") == "*** and ***"

    def test_the_ends_of_a_value_a_tool_cut_short(self) -> None:
        """pytest shows a long value as its two ends around `...`: 25 of 40 characters."""
        key = "wJalrXUtnFEMI_K7MDENG_bPxRfiCYEXAMPLEKEY"
        m = masker(AWS_SECRET_ACCESS_KEY=key)
        shown = "assert 'wJalrXUtnFEM...iCYEXAMPLEKEY' == 'x'; 'wJalrX\u2026'"
        assert m.text(shown) == "assert '***...***' == 'x'; '***\u2026'"
        assert m.text("wJalr... ...e tests/test_a.py ....") == "wJalr... ...e tests/test_a.py ...."

    def test_configured_names_and_patterns(self) -> None:
        env = {"DATABASE_URL": "postgres-db-value", "SENTRY_DSN": "sentry-dsn-value"}
        m = Masker.from_environ(env, ["DATABASE_URL", "SENTRY_*"])
        assert m.text("postgres-db-value sentry-dsn-value") == "*** ***"
        assert Masker.from_environ(env).text("postgres-db-value") == "postgres-db-value"

    def test_escaped_spellings(self) -> None:
        """A value with quotes or ampersands is found inside JSON and XML too."""
        value = 'p"ss&w\\rd'
        m = masker(X_PASSWORD=value)
        assert value not in m.text(json.dumps({"out": value}))
        assert json.dumps(value)[1:-1] not in m.text(json.dumps({"out": value}))
        assert "p&quot;ss&amp;w" not in m.text("<out>p&quot;ss&amp;w\\rd</out>")


class TestUrls:
    @pytest.mark.parametrize(
        ("text", "shown"),
        [
            ("https://bob:hunter22@pypi.example/simple", "https://***@pypi.example/simple"),
            ("git+https://ghp_abcdef@github.com/o/r", "git+https://***@github.com/o/r"),
            ("see https://pypi.org/simple/ now", "see https://pypi.org/simple/ now"),
            ("https://pypi.org/simple/pkg@1.0", "https://pypi.org/simple/pkg@1.0"),
        ],
    )
    def test_credentials_in_urls(self, text: str, shown: str) -> None:
        assert masker().text(text) == shown

    @pytest.mark.parametrize(
        "ref", [IMAGE, f"docker://python:3.12@{DIGEST}", f"oci://ghcr.io/o/img:1@{DIGEST}"]
    )
    def test_image_references_are_printed_whole(self, ref: str) -> None:
        assert masker().text(f"base image {ref}") == f"base image {ref}"


class TestData:
    def test_nested_data_and_keys(self) -> None:
        m = masker(X_TOKEN=SECRET)
        data = {"a": [SECRET, ("x", SECRET)], SECRET: 3, "n": 1.5, "none": None}
        assert m.data(data) == {"a": ["***", ("x", "***")], "***": 3, "n": 1.5, "none": None}

    def test_summary_rows_and_notes(self) -> None:
        m = masker(X_TOKEN=SECRET)
        row = CheckResult("test-3.12", Status.FAILED, 1.0, SECRET, f"out {SECRET}", {"k": SECRET})
        masked = m.summary(RunSummary((row,), (f"note {SECRET}",)))
        assert SECRET not in repr(masked)
        assert masked.results[0].name == "test-3.12"
        assert masked.results[0].status is Status.FAILED

    def test_json_report_and_github_output(self, tmp_path: Path) -> None:
        """What publish writes comes from the masked summary."""
        m = masker(X_TOKEN=SECRET)
        details = {"failures": [{"file": "t.py", "line": 3, "message": f"'{SECRET}' != 1"}]}
        row = CheckResult("test-3.12", Status.FAILED, 1.0, f"1 failed: {SECRET}", "", details)
        summary = m.summary(RunSummary((row,)))
        json_report.write(summary, tmp_path / "r.json")
        assert SECRET not in (tmp_path / "r.json").read_text()
        assert SECRET not in "\n".join(github.annotation_lines(summary)) + github.markdown(summary)


class TestFiles:
    def test_report_file_masked_in_place(self, tmp_path: Path) -> None:
        junit = tmp_path / "junit.xml"
        junit.write_text(f"<system-out>{SECRET}</system-out>\n", encoding="utf-8")
        junit.chmod(0o640)
        assert masker(X_TOKEN=SECRET).file(junit)
        assert junit.read_text(encoding="utf-8") == "<system-out>***</system-out>\n"
        assert junit.stat().st_mode & 0o777 == 0o640
        assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"], "no temporary file left"

    def test_binary_and_old_files_are_left(self, tmp_path: Path) -> None:
        (tmp_path / ".coverage").write_bytes(b"SQLite\0" + SECRET.encode())
        old = tmp_path / "old.txt"
        old.write_text(SECRET)
        os.utime(old, (1000, 1000))
        new = tmp_path / "htmlcov" / "index.html"
        new.parent.mkdir()
        new.write_text(SECRET)
        assert masker(X_TOKEN=SECRET).folder(tmp_path, since=2000) == [new]
        assert SECRET.encode() in (tmp_path / ".coverage").read_bytes()
        assert old.read_text() == SECRET

    def test_missing_folder(self, tmp_path: Path) -> None:
        assert masker().folder(tmp_path / "nope") == []


class TestBoundaries:
    def test_console_stream(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DEPLOY_TOKEN", SECRET)
        stream = io.StringIO()
        console.console(stream).print(f"the token is {SECRET}, the image {IMAGE}")
        assert stream.getvalue() == f"the token is ***, the image {IMAGE}\n"

    def test_log_lines(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """On the logger itself: any handler (here a bare one) gets the record masked."""
        monkeypatch.setenv("DEPLOY_TOKEN", SECRET)
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        monkeypatch.setattr(console.LOGGER, "handlers", [handler])
        level = console.LOGGER.level
        console.LOGGER.setLevel(logging.INFO)  # setLevel, not the attribute: it clears the cache
        try:
            console.LOGGER.info("$ %s", console.format_command(["curl", "-H", SECRET]))
        finally:
            console.LOGGER.setLevel(level)
        assert stream.getvalue() == "$ curl -H ***\n"

    def test_installed_masker_wins(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The run's masker (its environment, its secret-env) is the one used."""
        monkeypatch.setenv("DEPLOY_TOKEN", SECRET)
        masking.install(Masker.from_environ({"MY_DSN": "dsn-value-1"}, ["MY_DSN"]))
        assert console.redact(f"dsn-value-1 {SECRET}") == f"*** {SECRET}"

    def test_nox_log(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from taskbelt.frontends import nox_sessions  # noqa: PLC0415 - imports the CLI

        monkeypatch.setenv("DEPLOY_TOKEN", SECRET)
        nox_log = logging.getLogger("nox")
        nox_sessions.mask_nox_log()
        nox_sessions.mask_nox_log()
        assert nox_log.filters.count(masking.mask_record) == 1
        record = nox_log.makeRecord("nox", logging.INFO, "f", 1, "ran %s", (SECRET,), None)
        assert nox_log.filter(record)
        assert record.getMessage() == "ran ***"


class TestSecretEnvSetting:
    def test_list_and_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert load_settings({"secret-env": ["DATABASE_URL", "SENTRY_*"]}).secret_env == [
            "DATABASE_URL",
            "SENTRY_*",
        ]
        monkeypatch.setenv("TASKBELT_SECRET_ENV", "A_URL, B_DSN")
        assert load_settings({}).secret_env == ["A_URL", "B_DSN"]

    def test_not_a_name(self) -> None:
        with pytest.raises(ConfigError) as caught:
            load_settings({"secret-env": ["DATABASE URL"]})
        assert "secret-env" in caught.value.cause
        assert "'DATABASE URL' is not an environment variable name" in caught.value.cause
