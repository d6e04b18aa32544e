"""The offline advisory server: loading, OSV matching and the HTTP query."""

from __future__ import annotations

import json
import shutil
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import ADVISORY_DB, DATA

from taskbelt.checks.audit import advisories, osv_server
from taskbelt.errors import ConfigError

DATA = DATA / "advisories"


@pytest.fixture(scope="module")
def index() -> advisories.AdvisoryIndex:
    return advisories.load(DATA)


def ids(advisories: list[dict[str, Any]]) -> set[str]:
    return {a["id"] for a in advisories}


def ranged(*events: dict[str, str], versions: tuple[str, ...] = ()) -> dict[str, Any]:
    """One `affected[]` entry with a single ECOSYSTEM range."""
    return {"ranges": [{"type": "ECOSYSTEM", "events": list(events)}], "versions": list(versions)}


class TestAffects:
    """OSV's matching rules, on hand-written `affected` entries."""

    def test_explicit_versions_list(self) -> None:
        """A version in `versions` is affected even without any range."""
        entry = {"versions": ["0.5", "1.0"]}
        assert advisories.affects(entry, "0.5")
        assert not advisories.affects(entry, "0.6")

    def test_versions_compare_as_pep440(self) -> None:
        """`2.10` in the list matches a query for `2.10.0` (and not `2.1`)."""
        entry = {"versions": ["2.10"]}
        assert advisories.affects(entry, "2.10.0")
        assert not advisories.affects(entry, "2.1")

    def test_introduced_fixed(self) -> None:
        """`introduced` is inclusive, `fixed` exclusive."""
        entry = ranged({"introduced": "2.3.0"}, {"fixed": "2.31.0"})
        assert not advisories.affects(entry, "2.2.9")
        assert advisories.affects(entry, "2.3.0")
        assert advisories.affects(entry, "2.30.1")
        assert not advisories.affects(entry, "2.31.0")

    def test_introduced_zero_and_prereleases(self) -> None:
        """`introduced: 0` opens at the beginning; a pre-release of the fix is affected."""
        entry = ranged({"introduced": "0"}, {"fixed": "2.0"})
        assert advisories.affects(entry, "0.0.1")
        assert advisories.affects(entry, "2.0rc1")
        assert not advisories.affects(entry, "2.0")

    def test_last_affected_is_inclusive(self) -> None:
        """`last_affected` closes the range after that version."""
        entry = ranged({"introduced": "0"}, {"last_affected": "1.11.0"})
        assert advisories.affects(entry, "1.11.0")
        assert not advisories.affects(entry, "1.11.1")

    def test_several_intervals_in_one_range(self) -> None:
        """Events are sorted, so a range can reopen after a fix."""
        entry = ranged({"fixed": "1.5"}, {"introduced": "2.0"}, {"introduced": "1.0"})
        assert advisories.affects(entry, "1.2")
        assert not advisories.affects(entry, "1.7")
        assert advisories.affects(entry, "2.4")

    def test_unparseable_event_is_skipped(self) -> None:
        """An event packaging cannot parse does not break the rest of the range."""
        entry = ranged({"introduced": "0"}, {"fixed": "not a version"})
        assert advisories.affects(entry, "9.9")

    def test_git_ranges_are_ignored(self) -> None:
        """Commit hashes cannot be compared with a PyPI version."""
        entry = {"ranges": [{"type": "GIT", "events": [{"introduced": "0"}, {"fixed": "abc123"}]}]}
        assert not advisories.affects(entry, "1.0")


class TestLoad:
    """Loading the copied advisories (tests/data/advisories)."""

    def test_loads_yaml_and_json(self, index: advisories.AdvisoryIndex) -> None:
        """Six advisories: five YAML in the PyPA layout, one JSON in a flat folder."""
        assert index.count == 6
        assert set(index.by_package) == {"gratient", "jinja2", "jw-util", "py", "requests"}
        assert ids(index.query("requests", "2.19.0")) == {"PYSEC-2023-74"}

    def test_withdrawn_is_skipped(self, index: advisories.AdvisoryIndex) -> None:
        """loguru's only advisory is withdrawn, so loguru is not indexed."""
        assert "loguru" not in index.by_package
        assert index.query("loguru", "0.5.3") == []

    def test_explicit_versions(self, index: advisories.AdvisoryIndex) -> None:
        """gratient's advisory lists one version and no range."""
        assert ids(index.query("gratient", "0.5")) == {"PYSEC-2024-1"}
        assert index.query("gratient", "0.6") == []

    def test_ranges_beyond_the_versions_list(self, index: advisories.AdvisoryIndex) -> None:
        """2.30.1 is in requests' ECOSYSTEM range though not in its versions list."""
        assert ids(index.query("requests", "2.30.1")) == {"PYSEC-2023-74"}
        assert index.query("requests", "2.31.0") == []
        assert index.query("requests", "2.2.1") == []

    def test_two_advisories_for_one_version(self, index: advisories.AdvisoryIndex) -> None:
        """jinja2 2.10 is hit by two advisories; 2.10.1 by one; 2.11.3 by none."""
        assert ids(index.query("jinja2", "2.10")) == {"PYSEC-2019-217", "PYSEC-2021-66"}
        assert ids(index.query("jinja2", "2.10.1")) == {"PYSEC-2021-66"}
        assert index.query("jinja2", "2.11.3") == []

    def test_last_affected(self, index: advisories.AdvisoryIndex) -> None:
        """py's range ends with `last_affected: 1.11.0`."""
        assert ids(index.query("py", "1.11.0")) == {"PYSEC-2022-42969"}

    def test_name_normalization(self, index: advisories.AdvisoryIndex) -> None:
        """`JW_Util` finds the advisory filed for `jw.util`, served as `jw-util`."""
        found = index.query("JW_Util", "1.9")
        assert ids(found) == {"PYSEC-2020-341"}
        assert found[0]["affected"][0]["package"]["name"] == "jw-util"

    def test_scalars_stay_strings(self, index: advisories.AdvisoryIndex) -> None:
        """YAML would read 2.10 as the float 2.1 and timestamps as datetimes."""
        (jinja,) = [a for a in index.by_package["jinja2"] if a["id"] == "PYSEC-2019-217"]
        assert "2.10" in jinja["affected"][0]["versions"]
        (gratient,) = index.by_package["gratient"]
        assert isinstance(gratient["modified"], str)
        json.dumps(index.by_package)

    def test_all_versions_without_version(self, index: advisories.AdvisoryIndex) -> None:
        """A query without a version returns all of the package's advisories (as OSV does)."""
        assert len(index.query("jinja2", None)) == 2


class TestLoadErrors:
    """A folder that cannot serve as an advisory database is a ConfigError naming it."""

    def test_missing_folder(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="does not exist") as info:
            advisories.load(tmp_path / "nope")
        assert str(tmp_path / "nope") in info.value.cause

    def test_empty_folder(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="holds no advisories") as info:
            advisories.load(tmp_path)
        assert str(tmp_path) in info.value.cause

    def test_only_withdrawn(self, tmp_path: Path) -> None:
        shutil.copy(DATA / "vulns" / "loguru" / "PYSEC-2022-15.yaml", tmp_path)
        with pytest.raises(ConfigError, match="holds no advisories"):
            advisories.load(tmp_path)

    def test_unparseable_file(self, tmp_path: Path) -> None:
        shutil.copytree(DATA, tmp_path / "db")
        (tmp_path / "db" / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"broken\.yaml"):
            advisories.load(tmp_path / "db")

    def test_hidden_folders_and_other_files_are_skipped(self, tmp_path: Path) -> None:
        """A checkout's .github workflows and non-advisory YAML are not advisories."""
        shutil.copytree(DATA, tmp_path / "db")
        (tmp_path / "db" / ".github").mkdir()
        (tmp_path / "db" / ".github" / "ci.yml").write_text("on: [push\n", encoding="utf-8")
        (tmp_path / "db" / "config.yaml").write_text("name: x\n", encoding="utf-8")
        assert advisories.load(tmp_path / "db").count == 6


class TestCache:
    """The parsed index is kept as JSON and reused while the folder is unchanged."""

    def test_reused_then_invalidated(self, tmp_path: Path) -> None:
        db, cache = tmp_path / "db", tmp_path / "cache"
        shutil.copytree(DATA / "vulns" / "jinja2", db)
        assert advisories.load(db, cache).count == 2
        (cached,) = cache.iterdir()
        data = json.loads(cached.read_text(encoding="utf-8"))
        data["value"]["count"] = 99
        cached.write_text(json.dumps(data), encoding="utf-8")
        assert advisories.load(db, cache).count == 99  # read from the cache, not parsed
        shutil.copy(DATA / "PYSEC-2023-74.json", db)
        assert set(advisories.load(db, cache).by_package) == {"jinja2", "requests"}
        assert [cached] == list(cache.iterdir())

    def test_corrupt_cache_is_rebuilt(self, tmp_path: Path) -> None:
        cache = tmp_path / "cache"
        advisories.load(DATA, cache)
        (cached,) = cache.iterdir()
        cached.write_text("{not json", encoding="utf-8")
        assert advisories.load(DATA, cache).count == 6

    def test_the_suites_database(self, tmp_path: Path) -> None:
        """The advisories the integration tests scan against parse, and load from the cache."""
        files = list((ADVISORY_DB / "vulns").rglob("*.yaml"))
        cold = advisories.load(ADVISORY_DB, tmp_path)
        warm = advisories.load(ADVISORY_DB, tmp_path)
        assert cold.count == warm.count == len(files) > 20
        assert set(warm.by_package) >= {"jinja2", "requests", "urllib3", "idna", "certifi"}
        assert ids(warm.query("Jinja2", "2.10")) == {"PYSEC-2019-217", "PYSEC-2021-66"}
        assert ids(warm.query("jinja2", "3.1.4")) == set()


def post(url: str, body: bytes) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - loopback URL built by the test
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class TestServe:
    """The OSV query API over loopback, as pip-audit's OSV client calls it."""

    def test_query_roundtrip(self, index: advisories.AdvisoryIndex) -> None:
        query = {"package": {"name": "Jinja2", "ecosystem": "PyPI"}, "version": "2.10"}
        with osv_server.serve(index) as url:
            assert url.startswith("http://127.0.0.1:")
            assert url.endswith("/v1/query")
            status, body = post(url, json.dumps(query).encode())
        assert status == 200
        assert ids(body["vulns"]) == {"PYSEC-2019-217", "PYSEC-2021-66"}
        fixed = body["vulns"][0]["affected"][0]["ranges"][0]["events"]
        assert {"fixed": "2.10.1"} in fixed or {"fixed": "2.11.3"} in fixed

    def test_no_match_is_an_empty_object(self, index: advisories.AdvisoryIndex) -> None:
        """OSV answers `{}` when nothing matches; pip-audit relies on that."""
        query = {"package": {"name": "jinja2", "ecosystem": "PyPI"}, "version": "3.1.4"}
        with osv_server.serve(index) as url:
            assert post(url, json.dumps(query).encode()) == (200, {})

    def test_other_ecosystems_match_nothing(self, index: advisories.AdvisoryIndex) -> None:
        query = {"package": {"name": "jinja2", "ecosystem": "npm"}, "version": "2.10"}
        with osv_server.serve(index) as url:
            assert post(url, json.dumps(query).encode()) == (200, {})

    def test_bad_requests(self, index: advisories.AdvisoryIndex) -> None:
        with osv_server.serve(index) as url:
            assert post(url, b"{not json")[0] == 400
            assert post(url, b'{"version": "1"}')[0] == 400
            assert post(url.replace("/v1/query", "/v1/querybatch"), b"{}")[0] == 404

    def test_port_is_closed_afterwards(self, index: advisories.AdvisoryIndex) -> None:
        with osv_server.serve(index) as url:
            port = int(url.split(":")[2].split("/")[0])
        with socket.socket() as sock:
            sock.settimeout(2)
            with pytest.raises(ConnectionRefusedError):
                sock.connect(("127.0.0.1", port))
