"""The security scan: pip-audit and bandit, for real, in throwaway repositories.

Integration tests (marked slow) run the pinned pip-audit and bandit; the
vulnerability data is the PyPA snapshot beside the checkout, served by
taskbelt's loopback OSV server, or a loopback server that misbehaves on
purpose. Locked repositories are built once per module and shared: each
test varies only ``[tool.taskbelt.audit]`` (see ``configured``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import ADVISORY_DB, CLEAN_SRC, DATA, MakeRepo, ToolVenv, locked_repo, write_files

from taskbelt.checks.audit import bandit, bandit_issue, bandit_sarif, pip_audit
from taskbelt.checks.audit import check as audit
from taskbelt.checks.audit import source as dependency_source
from taskbelt.checks.audit import verdict as audit_verdict
from taskbelt.checks.base import CheckContext
from taskbelt.ledger import book
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, Status
from taskbelt.settings.model import IgnoreRule, load_settings

COPIED = DATA / "advisories"
SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 6, 1)


# -- unit tests: no tools ----------------------------------------------------


def vuln(vid: str, *aliases: str, package: str = "jinja2") -> audit_verdict.Vulnerability:
    return audit_verdict.Vulnerability(package, "2.10", vid, aliases, ("2.10.1",))


class TestIgnores:
    """How ignore entries apply, expire and go stale."""

    findings = (vuln("PYSEC-2019-217", "CVE-2019-10906"), vuln("PYSEC-2021-66", "CVE-2020-28493"))

    def test_matched_by_id_or_alias(self) -> None:
        """An alias matches too, whatever its case."""
        rules = [IgnoreRule(id="cve-2019-10906", reason="sandbox unused")]
        remaining, (outcome,) = audit_verdict.apply_ignores(self.findings, rules, TODAY)
        assert [v.id for v in remaining] == ["PYSEC-2021-66"]
        assert outcome.state == "applied"
        assert outcome.matched == self.findings[:1]

    def test_until_today_still_applies(self) -> None:
        rules = [IgnoreRule(id="PYSEC-2021-66", reason="r", until=TODAY)]
        remaining, (outcome,) = audit_verdict.apply_ignores(self.findings, rules, TODAY)
        assert outcome.state == "applied"
        assert len(remaining) == 1

    def test_expired_ignores_nothing(self) -> None:
        rules = [IgnoreRule(id="PYSEC-2021-66", reason="r", until=TODAY - dt.timedelta(days=1))]
        remaining, (outcome,) = audit_verdict.apply_ignores(self.findings, rules, TODAY)
        assert outcome.state == "expired"
        assert remaining == list(self.findings)

    def test_stale_matches_nothing(self) -> None:
        rules = [IgnoreRule(id="GHSA-xxxx-xxxx-xxxx", reason="r")]
        remaining, (outcome,) = audit_verdict.apply_ignores(self.findings, rules, TODAY)
        assert outcome.state == "stale"
        assert remaining == list(self.findings)


class TestParse:
    def test_pip_audit_report(self) -> None:
        """Audited, vulnerable and skipped dependencies from pip-audit's JSON."""
        report = audit_verdict.parse(
            json.dumps(
                {
                    "dependencies": [
                        {"name": "markupsafe", "version": "3.0.2", "vulns": []},
                        {
                            "name": "jinja2",
                            "version": "2.10",
                            "vulns": [
                                {
                                    "id": "PYSEC-2019-217",
                                    "fix_versions": ["2.10.1"],
                                    "aliases": ["GHSA-462w-v97r-4m45", "CVE-2019-10906"],
                                }
                            ],
                        },
                        {"name": "foo", "skip_reason": "URL requirement"},
                    ],
                    "fixes": [],
                }
            )
        )
        assert report.audited == 2
        assert report.vulnerabilities == (
            audit_verdict.Vulnerability(
                "jinja2",
                "2.10",
                "PYSEC-2019-217",
                ("CVE-2019-10906", "GHSA-462w-v97r-4m45"),
                ("2.10.1",),
            ),
        )
        assert report.not_audited == (("foo", "URL requirement"),)

    def test_fix_hint_without_lock_names_the_version_fixing_all(self) -> None:
        vulns = [vuln("A"), dataclasses.replace(vuln("B"), fix_versions=("2.11.3", "3.0"))]
        assert audit_verdict.fix_hint(vulns, locked=True) == "uv lock --upgrade-package jinja2"
        assert "jinja2>=2.11.3" in audit_verdict.fix_hint(vulns, locked=False)


class TestVerdict:
    """From a parsed report to status, summary and details."""

    def report(self, *vulns: audit_verdict.Vulnerability, skipped: int = 0) -> audit_verdict.Report:
        not_audited = (("tiny", "could not deduce package version from URL requirement"),)
        return audit_verdict.Report(3, vulns, not_audited * skipped)

    def test_unaudited_dependency_is_an_error(self) -> None:
        """A dependency pip-audit skipped fails closed, even with nothing found."""
        verdict = audit_verdict.judge(self.report(skipped=1), [], TODAY, "uv.lock (frozen)", "X")
        assert verdict.status is Status.ERROR
        assert verdict.summary().startswith(
            "1 dep not audited against X: tiny (could not deduce package version"
        )
        assert verdict.details()["not_audited"] == [
            {"name": "tiny", "reason": "could not deduce package version from URL requirement"}
        ]

    def test_summary_lists_three_packages(self) -> None:
        vulns = [vuln(f"ID-{n}", package=f"p{n}") for n in range(5)]
        verdict = audit_verdict.judge(self.report(*vulns), [], TODAY, "uv.lock (frozen)", "X")
        assert verdict.status is Status.FAILED
        assert verdict.summary() == (
            "5 vulnerable deps (p0 2.10: ID-0; p1 2.10: ID-1; p2 2.10: ID-2; and 2 more)"
        )


class TestBareNosec:
    """TB001: `# nosec` comments that name no bandit rule."""

    def test_variants(self) -> None:
        source = (
            "a = 1  # nosec\n"
            "b = 2  # nosec B602\n"
            "c = 3  # nosec: B105, B106\n"
            "d = 4  # noqa: S602  # nosec\n"
            "e = 5  # nosec because I said so\n"
            'f = "# nosec in a string"\n'
        )
        found = bandit.bare_nosec(source, "m.py")
        assert [(i.line, i.test_id) for i in found] == [(1, "TB001"), (4, "TB001"), (5, "TB001")]
        assert found[0].column == 7
        assert found[0].test_name == "bare-nosec"

    def test_untokenizable_source(self) -> None:
        """bandit reports a file it cannot parse itself; nothing is invented here."""
        assert bandit.bare_nosec('x = """never closed\n', "m.py") == []


class TestSarif:
    def test_validates_against_the_schema(self, tmp_path: Path) -> None:
        """Both runs (bandit's and taskbelt's TB001) validate against SARIF 2.1.0."""
        issues = [
            bandit_issue.Issue(
                "src/a b.py",
                3,
                4,
                "B602",
                "subprocess_popen",
                "HIGH",
                "HIGH",
                "shell",
                "https://x",
                78,
            ),
            bandit_issue.Issue(
                "src/c.py", 1, 0, "TB001", "bare-nosec", "MEDIUM", "HIGH", "bare nosec"
            ),
        ]
        log = bandit_sarif.sarif(tmp_path, issues)
        jsonschema.validate(log, SARIF_SCHEMA)
        first = log["runs"][0]["results"][0]
        assert (
            first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/a%20b.py"
        )
        assert first["locations"][0]["physicalLocation"]["region"] == {
            "startLine": 3,
            "startColumn": 5,
        }
        assert log["runs"][1]["tool"]["driver"]["rules"][0]["id"] == "TB001"

    def test_the_ledgers_states_and_fingerprints(self, tmp_path: Path) -> None:
        """With a ledger: each judged finding's fingerprint and state; a fixed entry is absent."""
        new = bandit_issue.Issue("src/a.py", 3, 4, "B602", "popen", "HIGH", "HIGH", "shell")
        known = bandit_issue.Issue("src/a.py", 9, 0, "B602", "popen", "HIGH", "HIGH", "shell")
        gone = book.Entry(
            check="audit", tool="bandit", rule="B307", path="src/b.py", fingerprint="f3",
            message="eval",
        )  # fmt: skip
        log = bandit_sarif.sarif(
            tmp_path,
            [new, known],
            ledger={new: ("f1", "new"), known: ("f2", "known")},
            absent=[gone],
        )
        jsonschema.validate(log, SARIF_SCHEMA)
        results = log["runs"][0]["results"]
        assert [(r["partialFingerprints"]["taskbelt/v1"], r["baselineState"]) for r in results] == [
            ("f1", "new"),
            ("f2", "unchanged"),
            ("f3", "absent"),
        ]
        assert results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
            "src/b.py"
        )
        plain = bandit_sarif.sarif(tmp_path, [new])["runs"][0]["results"][0]
        assert "baselineState" not in plain, "no ledger, no baseline"


class TestMerge:
    """error beats failed beats passed; the details keep both scans."""

    @pytest.mark.parametrize(
        ("deps", "code", "expected"),
        [
            (Status.PASSED, Status.PASSED, Status.PASSED),
            (Status.FAILED, Status.PASSED, Status.FAILED),
            (Status.PASSED, Status.FAILED, Status.FAILED),
            (Status.ERROR, Status.FAILED, Status.ERROR),
            (Status.FAILED, Status.ERROR, Status.ERROR),
        ],
    )
    def test_verdict(self, deps: Status, code: Status, expected: Status) -> None:
        merged = audit.merge(
            [CheckResult("pip-audit", deps, summary="d"), CheckResult("bandit", code, summary="b")],
            1.0,
        )
        assert merged.name == "audit"
        assert merged.status is expected
        assert set(merged.details) == {"dependencies", "bandit"}

    def test_error_summary_names_the_scan(self) -> None:
        merged = audit.merge(
            [
                CheckResult("pip-audit", Status.ERROR, summary="uv could not export"),
                CheckResult("bandit", Status.PASSED, summary="bandit clean"),
            ],
            1.0,
        )
        assert merged.summary == "pip-audit: uv could not export; bandit clean"


class TestAuditSet:
    """The universal set, cut into marker-free layers that name each package once."""

    TEXT = """\
# a comment uv writes
jinja2==2.10 ; python_version < '3.11' \\
    --hash=sha256:aa
jinja2==3.1.4 ; python_version >= '3.11' \\
    --hash=sha256:bb
markupsafe==2.1.5 ; sys_platform == 'win32' \\
    --hash=sha256:cc
markupsafe==2.1.5 ; sys_platform == 'linux' \\
    --hash=sha256:cc
-e ./packages/local
"""

    def test_layers(self, tmp_path: Path) -> None:
        source = tmp_path / "requirements.txt"
        source.write_text(self.TEXT)
        layers = dependency_source.write_layers(source, tmp_path)
        assert layers.pins == 3
        first, second = (path.read_text() for path in layers.files)
        assert first == (
            "jinja2==2.10 \\\n    --hash=sha256:aa\n"
            "markupsafe==2.1.5 \\\n    --hash=sha256:cc\n"
            "-e ./packages/local\n"
        )
        assert second == "jinja2==3.1.4 \\\n    --hash=sha256:bb\n"

    def test_merge_keeps_each_dependency_once(self) -> None:
        one = {"dependencies": [{"name": "a", "version": "1", "vulns": []}], "fixes": []}
        two = {
            "dependencies": [
                {"name": "a", "version": "1", "vulns": []},
                {"name": "a", "version": "2", "vulns": []},
                {"name": "b", "skip_reason": "URL"},
            ]
        }
        merged = audit_verdict.parse(audit_verdict.merge([json.dumps(one), json.dumps(two)]))
        assert (merged.audited, merged.not_audited) == (2, (("b", "URL"),))


# -- integration: real pip-audit and bandit -----------------------------------


def tiny_wheel(folder: Path) -> Path:
    """A minimal pure-Python wheel ``tiny 1.0``, for a file-URL dependency."""
    folder.mkdir(parents=True)
    wheel = folder / "tiny-1.0-py3-none-any.whl"
    files = {
        "tiny/__init__.py": "",
        "tiny-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n",
        "tiny-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr("tiny-1.0.dist-info/RECORD", "".join(f"{n},,\n" for n in files))
    return wheel


@pytest.fixture(scope="module")
def vulnerable(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """jinja2 2.10 at runtime (two advisories); old requests only in the dev group."""
    root = tmp_path_factory.mktemp("audit") / "vulnerable"
    return locked_repo(root, '"jinja2==2.10"', '"requests==2.19.0"')


@pytest.fixture(scope="module")
def fixed(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """jinja2 3.1.4: no advisory in the snapshot."""
    return locked_repo(tmp_path_factory.mktemp("audit") / "fixed", '"jinja2==3.1.4"')


def configured(project: Project, db: Path = ADVISORY_DB, **audit_table: Any) -> Project:
    """``project`` with ``[tool.taskbelt.audit]`` replaced (kebab-case keys as in TOML).

    By default every advisory of the packages the tests lock
    (``tests/data/advisory-db``); some tests use the handful in
    ``tests/data/advisories``.
    """
    table = {"advisory-db": str(db), **audit_table}
    return dataclasses.replace(project, settings=load_settings({"audit": table}))


def ctx_for(project: Project, tool_venv: ToolVenv) -> CheckContext:
    return CheckContext(project=project, tools_bin=tool_venv("audit") / "bin")


def vuln_ids(details: Any) -> set[str]:
    """Advisory ids of the findings in pip-audit's part of the details."""
    return {v["id"] for v in details["vulnerabilities"]}


@pytest.mark.slow
class TestDependencies:
    """pip-audit on the locked set, against the full PyPA snapshot."""

    def test_vulnerable_lock_is_flagged(self, vulnerable: Project, tool_venv: ToolVenv) -> None:
        result = audit.run(ctx_for(configured(vulnerable), tool_venv))
        assert result.status is Status.FAILED, result.summary
        assert vuln_ids(result.details["dependencies"]) == {"PYSEC-2019-217", "PYSEC-2021-66"}
        assert result.summary.startswith("1 vulnerable dep (jinja2 2.10: PYSEC-2019-217")
        assert result.summary.endswith("; bandit clean; no secrets in 4 files; SBOM of 2 packages")
        deps = result.details["dependencies"]
        assert deps["source"] == "uv.lock (frozen)"
        assert deps["service"].startswith(f"advisory-db {ADVISORY_DB.resolve()}")
        first = next(v for v in deps["vulnerabilities"] if v["id"] == "PYSEC-2019-217")
        assert first == {
            "package": "jinja2",
            "version": "2.10",
            "id": "PYSEC-2019-217",
            "aliases": ["CVE-2019-10906", "GHSA-462w-v97r-4m45"],
            "fix_versions": ["2.10.1"],
        }
        assert "jinja2 2.10  (fix: uv lock --upgrade-package jinja2)" in result.output
        assert "PYSEC-2021-66 (CVE-2020-28493" in result.output

    def test_dev_group_only_when_asked(self, vulnerable: Project, tool_venv: ToolVenv) -> None:
        """Runtime dependencies by default; `groups` adds a dependency group."""
        result = pip_audit.scan(ctx_for(configured(vulnerable, groups=["dev"]), tool_venv))
        packages = {v["package"] for v in result.details["vulnerabilities"]}
        assert {"jinja2", "requests", "urllib3"} <= packages

    def test_fixed_version_passes(self, fixed: Project, tool_venv: ToolVenv) -> None:
        result = audit.run(ctx_for(configured(fixed), tool_venv))
        assert result.status is Status.PASSED, result.summary
        assert result.summary == (
            "no known vulnerabilities in 2 deps; bandit clean; no secrets in 4 files;"
            " SBOM of 2 packages"
        )

    def test_active_ignores_pass(self, vulnerable: Project, tool_venv: ToolVenv) -> None:
        """Both advisories ignored (one by alias) until a future date: passed, listed."""
        until = dt.date.today() + dt.timedelta(days=30)
        ignore = [
            {"id": "PYSEC-2019-217", "reason": "no sandbox", "until": until},
            {"id": "GHSA-g3rq-g295-4j3m", "reason": "no urlize"},
        ]
        result = pip_audit.scan(ctx_for(configured(vulnerable, ignore=ignore), tool_venv))
        assert result.status is Status.PASSED, result.summary
        assert "2 ignored" in result.summary
        reasons = {i["id"]: i["reason"] for i in result.details["ignored"]}
        assert reasons == {"PYSEC-2019-217": "no sandbox", "PYSEC-2021-66": "no urlize"}

    def test_expired_ignore_fails(self, vulnerable: Project, tool_venv: ToolVenv) -> None:
        ignore = [
            {"id": "PYSEC-2019-217", "reason": "no sandbox"},
            {"id": "PYSEC-2021-66", "reason": "no urlize", "until": dt.date(2024, 1, 31)},
        ]
        result = pip_audit.scan(ctx_for(configured(vulnerable, ignore=ignore), tool_venv))
        assert result.status is Status.FAILED
        assert "ignore for PYSEC-2021-66 expired on 2024-01-31" in result.summary
        assert vuln_ids(result.details) == {"PYSEC-2021-66"}
        assert [e["id"] for e in result.details["expired_ignores"]] == ["PYSEC-2021-66"]

    def test_stale_ignore_is_reported(self, fixed: Project, tool_venv: ToolVenv) -> None:
        """An ignore that matches nothing is reported, and is not a failure."""
        ignore = [{"id": "PYSEC-2019-217", "reason": "was needed for 2.10"}]
        result = pip_audit.scan(ctx_for(configured(fixed, ignore=ignore), tool_venv))
        assert result.status is Status.PASSED
        assert "stale ignore PYSEC-2019-217 (matches no finding)" in result.summary
        assert result.details["stale_ignores"][0]["reason"] == "was needed for 2.10"

    def test_url_dependency_is_not_audited(self, tmp_path: Path, tool_venv: ToolVenv) -> None:
        """A dependency pip-audit cannot look up makes the audit `error`."""
        wheel = tiny_wheel(tmp_path / "dist")
        project = locked_repo(tmp_path / "url", f'"tiny @ {wheel.as_uri()}", "jinja2==3.1.4"')
        result = pip_audit.scan(ctx_for(configured(project, COPIED), tool_venv))
        assert result.status is Status.ERROR
        assert result.summary.startswith("1 dep not audited against advisory-db ")
        assert "no known vulnerabilities in 2 deps" in result.summary

    @pytest.mark.parametrize("lock", [True, False], ids=["uv.lock", "no lock"])
    def test_dependency_of_another_platform_is_audited(
        self, tmp_path: Path, tool_venv: ToolVenv, lock: bool
    ) -> None:
        """A Windows-only pin is audited on Linux too (it passed as "0 deps")."""
        deps = "\"jinja2==2.10 ; sys_platform == 'win32'\""
        project = locked_repo(tmp_path / "win", deps, lock=lock)
        result = pip_audit.scan(ctx_for(configured(project, COPIED), tool_venv))
        assert result.status is Status.FAILED, result.summary
        assert vuln_ids(result.details) == {"PYSEC-2019-217", "PYSEC-2021-66"}
        assert result.details["audited"] == 2, "jinja2 and markupsafe"

    def test_every_pinned_version_is_audited(self, tmp_path: Path, tool_venv: ToolVenv) -> None:
        """A package locked at two versions for two Pythons: both versions are audited."""
        deps = "\"jinja2==2.10 ; python_version < '3.11'\", \"jinja2==3.1.4 ; python_version >= '3.11'\""
        project = locked_repo(tmp_path / "fork", deps)
        result = pip_audit.scan(ctx_for(configured(project, COPIED), tool_venv))
        assert result.status is Status.FAILED, result.summary
        assert {(v["package"], v["version"]) for v in result.details["vulnerabilities"]} == {
            ("jinja2", "2.10")
        }
        assert result.details["audited"] >= 3, "two jinja2 versions and markupsafe"

    def test_without_lock_resolves_and_says_so(self, tmp_path: Path, tool_venv: ToolVenv) -> None:
        project = locked_repo(tmp_path / "unlocked", '"jinja2==2.10"', lock=False)
        result = pip_audit.scan(ctx_for(configured(project, COPIED), tool_venv))
        assert result.status is Status.FAILED
        assert result.summary.endswith("; resolved from pyproject.toml (no uv.lock)")
        assert result.details["source"] == "resolved from pyproject.toml (no uv.lock)"
        assert "require jinja2>=2.11.3 in pyproject.toml" in result.output


@pytest.mark.slow
class TestScanMemo:
    """The dependency scan's report is reused only while its inputs are the same."""

    def test_reused_until_the_advisories_change(
        self, vulnerable: Project, tool_venv: ToolVenv, tmp_path: Path
    ) -> None:
        """Same lock and database: same findings without pip-audit; a new advisory reruns it.

        Ignores are judged afresh on a reused report (an ignore added since applies).
        """
        db = tmp_path / "db"
        shutil.copytree(ADVISORY_DB / "vulns" / "jinja2", db / "vulns" / "jinja2")
        first = pip_audit.scan(ctx_for(configured(vulnerable, db), tool_venv))
        again = pip_audit.scan(ctx_for(configured(vulnerable, db), tool_venv))
        assert first.details["reused_scan"] is False
        assert again.details["reused_scan"] is True
        fresh = dataclasses.replace(ctx_for(configured(vulnerable, db), tool_venv), reuse=False)
        assert pip_audit.scan(fresh).details["reused_scan"] is False, "--no-cache reuses nothing"
        assert (again.status, again.summary, again.output) == (
            first.status,
            first.summary,
            first.output,
        )
        ignore = [{"id": "PYSEC-2019-217", "reason": "r"}, {"id": "PYSEC-2021-66", "reason": "r"}]
        ignored = pip_audit.scan(ctx_for(configured(vulnerable, db, ignore=ignore), tool_venv))
        assert ignored.details["reused_scan"] is True
        assert ignored.status is Status.PASSED, ignored.summary
        extra = db / "vulns" / "jinja2" / "PYSEC-9999-1.yaml"
        extra.write_text(
            "id: PYSEC-9999-1\nmodified: '2026-01-01T00:00:00Z'\n"
            "affected:\n- package: {name: jinja2, ecosystem: PyPI}\n  versions: ['2.10']\n"
        )
        changed = pip_audit.scan(ctx_for(configured(vulnerable, db), tool_venv))
        assert changed.details["reused_scan"] is False
        assert "PYSEC-9999-1" in vuln_ids(changed.details)

    def test_online_service_is_never_reused(self, fixed: Project, tool_venv: ToolVenv) -> None:
        """An osv-url (a service that learns) is asked every time: a closed port errors twice."""
        project = dataclasses.replace(
            fixed, settings=load_settings({"audit": {"osv-url": "http://127.0.0.1:9/v1/query"}})
        )
        for _ in range(2):
            result = pip_audit.scan(ctx_for(project, tool_venv))
            assert result.status is Status.ERROR, result.summary


@pytest.mark.slow
class TestFailClosed:
    """Whatever stops the audit is `error`, never `passed`."""

    def test_missing_advisory_db(self, fixed: Project, tool_venv: ToolVenv, tmp_path: Path) -> None:
        result = audit.run(
            ctx_for(configured(fixed, **{"advisory-db": str(tmp_path / "nope")}), tool_venv)
        )
        assert result.status is Status.ERROR
        assert result.summary.startswith(
            f"pip-audit: advisory-db {tmp_path / 'nope'} does not exist"
        )

    def test_empty_advisory_db(self, fixed: Project, tool_venv: ToolVenv, tmp_path: Path) -> None:
        result = pip_audit.scan(
            ctx_for(configured(fixed, **{"advisory-db": str(tmp_path)}), tool_venv)
        )
        assert result.status is Status.ERROR
        assert f"advisory-db {tmp_path} holds no advisories" in result.summary

    def online(self, project: Project, url: str) -> Project:
        """The osv-url path (no advisory-db), with a 2 s request timeout."""
        settings = load_settings({"audit": {"osv-url": url, "timeout": 2}})
        return dataclasses.replace(project, settings=settings)

    def test_closed_port(self, fixed: Project, tool_venv: ToolVenv) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        url = f"http://127.0.0.1:{port}/v1/query"
        result = audit.run(ctx_for(self.online(fixed, url), tool_venv))
        assert result.status is Status.ERROR
        assert result.summary.startswith(f"pip-audit could not audit against OSV at {url}: ")
        assert "Connection refused" in result.summary

    def test_http_500(self, fixed: Project, tool_venv: ToolVenv, failing_server: str) -> None:
        result = pip_audit.scan(ctx_for(self.online(fixed, failing_server), tool_venv))
        assert result.status is Status.ERROR
        assert "500 Server Error" in result.summary

    def test_timeout(self, fixed: Project, tool_venv: ToolVenv, silent_server: str) -> None:
        started = time.perf_counter()
        result = pip_audit.scan(ctx_for(self.online(fixed, silent_server), tool_venv))
        assert result.status is Status.ERROR
        assert "Read timed out" in result.summary
        assert time.perf_counter() - started < 60


class _Fails(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def failing_server() -> Iterator[str]:
    """A loopback server answering every query with HTTP 500."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fails)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback port that accepts connections (kernel backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1/query"


INSECURE = {
    "src/demo/__init__.py": '''
        """Demo package."""
        import subprocess

        PASSWORD = "hunter2"  # pragma: allowlist secret


        def run(cmd: str) -> int:
            """Run a shell command."""
            return subprocess.call(cmd, shell=True)


        def quiet(cmd: str) -> int:
            """Run it again, hiding the finding."""
            return subprocess.call(cmd, shell=True)  # nosec


        def named(cmd: str) -> int:
            """Run it again, hiding the finding by name."""
            return subprocess.call(cmd, shell=True)  # nosec B602
        ''',
}


@pytest.mark.slow
class TestBandit:
    """bandit on the source, the TB001 rule and the SARIF report."""

    def test_findings(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        project = make_repo(INSECURE)
        result = bandit.scan(ctx_for(project, tool_venv))
        assert result.status is Status.FAILED
        found = {(f["test_id"], f["line"]) for f in result.details["findings"]}
        assert found == {("B602", 9), ("TB001", 14)}
        notes = {(f["test_id"], f["line"]) for f in result.details["notes"]}
        assert notes == {("B404", 2), ("B105", 4)}  # low severity: listed, not counted
        b602 = next(f for f in result.details["findings"] if f["test_id"] == "B602")
        assert b602["file"] == "src/demo/__init__.py"
        assert (b602["severity"], b602["confidence"]) == ("HIGH", "HIGH")
        assert "shell=True" in b602["text"]
        assert result.summary.startswith("bandit: 2 findings (")
        assert "; 2 notes below medium severity: B105 x1, B404 x1; " in result.summary

    def test_sarif_report(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        project = make_repo(INSECURE)
        bandit.scan(ctx_for(project, tool_venv))
        log = json.loads((project.reports_dir / "bandit.sarif").read_text(encoding="utf-8"))
        jsonschema.validate(log, SARIF_SCHEMA)
        rules = {r["ruleId"] for run in log["runs"] for r in run["results"]}
        assert {"B602", "B105", "TB001"} <= rules

    def test_hard_coded_passwords_are_reported_without_their_value(
        self, make_repo: MakeRepo, tool_venv: ToolVenv
    ) -> None:
        """B105/B106/B107: file, line and rule kept; the password in no output, JSON or SARIF."""
        value = "correct-horse-battery"
        source = (
            f'password = "{value}"\n'
            f'def connect(user, password="{value}"):\n'
            "    return user, password\n"
            f'connect("me", password="{value}")\n'
        )
        project = make_repo({**CLEAN_SRC, "src/demo/settings.py": source})
        project = dataclasses.replace(  # they are low severity: counted at "low"
            project, settings=load_settings({"audit": {"severity": "low"}})
        )
        result = bandit.scan(ctx_for(project, tool_venv))
        found = {(f["file"], f["line"], f["test_id"]) for f in result.details["findings"]}
        assert found == {
            ("src/demo/settings.py", 1, "B105"),
            ("src/demo/settings.py", 2, "B107"),
            ("src/demo/settings.py", 4, "B106"),
        }
        assert "B105 src/demo/settings.py:1" in result.summary
        assert "src/demo/settings.py:1:11: B105 Possible hardcoded password" in result.output
        sarif_text = (project.reports_dir / "bandit.sarif").read_text(encoding="utf-8")
        written = [result.summary, result.output, json.dumps(result.details), sarif_text]
        assert not [text for text in written if value in text]
        jsonschema.validate(json.loads(sarif_text), SARIF_SCHEMA)

    def test_severity_setting(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """severity = "high" counts B602 alone; TB001 (medium) becomes a note."""
        project = make_repo(INSECURE)
        project = dataclasses.replace(
            project, settings=load_settings({"audit": {"severity": "high"}})
        )
        details = bandit.scan(ctx_for(project, tool_venv)).details
        assert {f["test_id"] for f in details["findings"]} == {"B602"}
        assert {f["test_id"] for f in details["notes"]} == {"B105", "B404", "TB001"}

    def test_repo_bandit_config(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        pyproject = (
            '[project]\nname = "demo"\nversion = "0"\n\n[tool.bandit]\nskips = ["B602", "B404"]\n'
        )
        project = make_repo(INSECURE, pyproject=pyproject)
        details = bandit.scan(ctx_for(project, tool_venv)).details
        assert {f["test_id"] for f in details["findings"]} == {"TB001"}
        assert {f["test_id"] for f in details["notes"]} == {"B105"}

    def test_clean_source(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        project = make_repo()
        result = bandit.scan(ctx_for(project, tool_venv))
        assert (result.status, result.summary) == (Status.PASSED, "bandit clean")
        log = json.loads((project.reports_dir / "bandit.sarif").read_text(encoding="utf-8"))
        jsonschema.validate(log, SARIF_SCHEMA)

    def test_unparseable_file_is_an_error(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        project = make_repo({**CLEAN_SRC, "src/demo/broken.py": "def f(:\n"})
        result = bandit.scan(ctx_for(project, tool_venv))
        assert result.status is Status.ERROR
        assert "src/demo/broken.py" in result.summary
        assert not (project.reports_dir / "bandit.sarif").exists()

    def test_nothing_scanned_is_an_error(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """A [tool.bandit] that excludes every source file does not pass silently."""
        pyproject = (
            '[project]\nname = "demo"\nversion = "0"\n\n[tool.bandit]\nexclude_dirs = ["src"]\n'
        )
        result = bandit.scan(ctx_for(make_repo(pyproject=pyproject), tool_venv))
        assert result.status is Status.ERROR
        assert result.summary.startswith("bandit scanned no Python file")

    def test_merged_with_dependencies(
        self, fixed: Project, tool_venv: ToolVenv, tmp_path: Path
    ) -> None:
        """Clean dependencies and an insecure source: the audit fails on bandit alone."""
        root = tmp_path / "insecure"
        write_files(
            root, {"pyproject.toml": (fixed.root / "pyproject.toml").read_text(), **INSECURE}
        )
        (root / "uv.lock").write_bytes((fixed.root / "uv.lock").read_bytes())
        result = audit.run(ctx_for(configured(Project.load(root), COPIED), tool_venv))
        assert result.status is Status.FAILED
        assert result.summary.startswith("no known vulnerabilities in 2 deps; bandit: 2 findings")
        assert result.details["bandit"]["status"] == "failed"
        assert result.details["dependencies"]["status"] == "passed"
