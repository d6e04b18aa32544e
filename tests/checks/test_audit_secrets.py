"""The audit's secrets scan: real detect-secrets (the audit tools) on throwaway repositories.

The planted values are put together at run time, so this file holds none
of them whole: taskbelt's own scan reads it too.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ADVISORY_DB, CLEAN_SRC, MakeRepo, ToolVenv, git, run_rows, write_files

from taskbelt.checks.audit import check as audit
from taskbelt.checks.audit import secrets, secrets_detect
from taskbelt.checks.base import CheckContext
from taskbelt.ledger import book
from taskbelt.repository.project import Project
from taskbelt.results import Status
from taskbelt.settings.model import load_settings

AWS_KEY = "AKIA" + "Q3EGRTHWPKXZ7MNB"
GITHUB_TOKEN = "ghp_" + "k3Jd9sLq2WmZx8VbN4cR7tYp1HgF6eUa0Ioz"
PASSWORD = "Pz7" + "qL2xWv9K"
PRIVATE_KEY = (
    "-----BEGIN RSA "
    + "PRIVATE KEY-----\nMIIEowIBAAKCAQEAx7Vq9Lm2Kp\n-----END RSA PRIVATE KEY-----\n"
)
PLANTED = (AWS_KEY, GITHUB_TOKEN, PASSWORD, "MIIEowIBAAKCAQEAx7Vq9Lm2Kp")


def secrets_repo(make_repo: MakeRepo, **table: Any) -> Project:
    """A repository with the four planted secrets, an allowlisted key and fake test data."""
    files = {
        **CLEAN_SRC,
        "src/demo/settings.py": f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'
        f'DATABASE = "postgres://admin:{PASSWORD}@db.internal:5432/app"\n'
        'EXAMPLE = "AKIA' + 'IOSFODNN7EXAMPLE"  # pragma: allowlist secret\n',
        ".env": f"GITHUB_TOKEN={GITHUB_TOKEN}\n",
        "deploy/id_rsa": PRIVATE_KEY,
        "tests/data/fake_key.py": f'KEY = "{AWS_KEY[:-1]}Q"\n',
        ".env.example": "GITHUB_TOKEN=\n",
        # commit pins, as the playbook asks: not secrets, though high in entropy
        ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/psf/black\n"
        "    rev: 3e8a8703264a2f4a69428a0aa4dcb512790b2c8c  # frozen: 24.1.0\n",
        ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n"
        "      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11\n",
    }
    project = make_repo(files)
    return configured(project, **table)


def configured(project: Project, **table: Any) -> Project:
    return dataclasses.replace(project, settings=load_settings({"audit": {"secrets": table}}))


def scan(project: Project, tool_venv: ToolVenv, **kw: Any) -> Any:
    return secrets.scan(CheckContext(project=project, tools_bin=tool_venv("audit") / "bin", **kw))


def everything_written(project: Project, *texts: str) -> str:
    """The run's words and every file under the state folder, as one text."""
    written = [*texts]
    for path in project.state_dir.rglob("*"):
        if path.is_file() and "envs" not in path.relative_to(project.state_dir).parts:
            written.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(written)


@pytest.mark.slow
def test_planted_secrets_are_found_by_file_line_and_kind_and_no_value_is_written(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    project = secrets_repo(make_repo, exclude=["tests/data/*"])
    result = scan(project, tool_venv)
    assert result.status is Status.FAILED, result.summary
    found = {(f["path"], f["line"], f["code"]) for f in result.details["findings"]}
    assert found == {
        ("src/demo/settings.py", 1, "AWS Access Key"),
        ("src/demo/settings.py", 2, "Basic Auth Credentials"),
        (".env", 1, "GitHub Token"),
        (".env", 1, secrets_detect.ENV_FILE_KIND),
        ("deploy/id_rsa", 1, "Private Key"),
    }
    assert result.summary.startswith("secrets: 5 findings (Committed .env file .env:1, ")
    assert "1 file excluded by the settings" in result.summary
    assert "1 commit pin not counted" in result.summary  # detect-secrets passes the `uses:` one
    assert "src/demo/settings.py:1: AWS Access Key (sha1 " in result.output
    # the whole audit, as the JSON report and the verdict cache would hold it
    whole = audit.run(CheckContext(project=project, tools_bin=tool_venv("audit") / "bin"))
    written = everything_written(
        project, result.summary, result.output, json.dumps(result.details), whole.output
    )
    written += json.dumps(whole.details) + whole.summary
    sarif = json.loads((project.reports_dir / secrets.SARIF_FILE).read_text(encoding="utf-8"))
    (run,) = sarif["runs"]
    assert run["tool"]["driver"]["name"] == "detect-secrets"
    assert len(run["results"]) == 5
    for value in PLANTED:
        assert value not in written


@pytest.mark.slow
def test_allowlist_comments_and_excluded_paths_pass(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    project = make_repo(
        {
            **CLEAN_SRC,
            "src/demo/example.py": f'KEY = "{AWS_KEY}"  # pragma: allowlist secret\n',
            "tests/data/keys.pem": PRIVATE_KEY,
        }
    )
    assert scan(configured(project), tool_venv).status is Status.FAILED
    result = scan(configured(project, exclude=["tests/data/*"]), tool_venv)
    assert result.status is Status.PASSED, result.summary
    assert result.summary == "no secrets in 4 files (1 file excluded by the settings)"


@pytest.mark.slow
def test_files_detect_secrets_would_skip_are_read_and_links_never_followed(
    make_repo: MakeRepo, tool_venv: ToolVenv, tmp_path: Path
) -> None:
    """Latin-1 text, a binary, a huge generated file, a symlink to a key outside the repository."""
    outside = tmp_path / "outside.pem"
    outside.write_text(PRIVATE_KEY, encoding="utf-8")
    project = make_repo({**CLEAN_SRC}, commit=False)
    root = project.root
    (root / "src/demo/legacy.py").write_bytes(
        f'# café\nDATABASE = "postgres://admin:{PASSWORD}@db/app"\n'.encode("latin-1")
    )
    (root / "assets").mkdir()
    (root / "assets/blob.bin").write_bytes(b"\x00\x01\x02" + AWS_KEY.encode() + b"\x00\xff")
    (root / "assets/generated.json").write_text("[" + "1," * 3_000_000 + "1]", encoding="utf-8")
    (root / "assets/key.pem").symlink_to(outside)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    result = scan(configured(project), tool_venv)
    found = {(f["path"], f["line"], f["offset"], f["code"]) for f in result.details["findings"]}
    assert found == {
        ("src/demo/legacy.py", 2, None, "Basic Auth Credentials"),
        ("assets/blob.bin", 0, 3, "AWS Access Key"),
    }
    assert result.details["read_as"]["assets/blob.bin"] == "binary"
    assert result.details["read_as"]["src/demo/legacy.py"] != "utf-8"
    assert result.details["too_large"] == ["assets/generated.json"]
    assert result.details["links"] == ["assets/key.pem"]
    assert "assets/blob.bin (byte 3): AWS Access Key" in result.output
    assert "not scanned, over max-file-size: assets/generated.json" in result.summary
    assert "1 symlink not followed" in result.summary


@pytest.mark.slow
def test_a_detect_secrets_baseline_is_honoured_and_only_changed_files_are_scanned_again(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    project = secrets_repo(make_repo, exclude=["tests/data/*", ".env", "deploy/*"])
    first = scan(project, tool_venv)
    assert first.status is Status.FAILED
    baseline = {
        "version": "1.0.3",  # written by an older detect-secrets: read as it upgrades it
        "plugins_used": [{"name": "AWSKeyDetector"}, {"name": "BasicAuthDetector"}],
        "filters_used": [{"path": "detect_secrets.filters.allowlist.is_line_allowlisted"}],
        "results": {
            "src/demo/settings.py": [
                {
                    "type": f["code"],
                    "filename": f["path"],
                    "hashed_secret": f["hash"],
                    "is_verified": False,
                    "line_number": f["line"],
                }
                for f in first.details["findings"]
            ]
        },
    }
    write_files(project.root, {".secrets.baseline": json.dumps(baseline)})
    result = scan(project, tool_venv)
    assert result.status is Status.PASSED, result.summary
    assert "2 known in .secrets.baseline" in result.summary
    # the memo: a file is scanned again only when its bytes changed
    (project.root / "src/demo/settings.py").write_text(
        f'TOKEN = "{GITHUB_TOKEN}"\n', encoding="utf-8"
    )
    again = scan(project, tool_venv)
    assert [(f["path"], f["code"]) for f in again.details["findings"]] == []
    baseline["plugins_used"].append({"name": "GitHubTokenDetector"})
    write_files(project.root, {".secrets.baseline": json.dumps(baseline)})
    assert [f["code"] for f in scan(project, tool_venv).details["findings"]] == ["GitHub Token"]


@pytest.mark.slow
def test_a_baseline_detect_secrets_cannot_read_is_an_error_naming_it(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    project = make_repo({**CLEAN_SRC})
    newer = {"version": "9.0.0", "plugins_used": [{"name": "QuantumKeyDetector"}], "results": {}}
    write_files(project.root, {".secrets.baseline": json.dumps(newer)})
    result = scan(configured(project), tool_venv)
    assert result.status is Status.ERROR
    assert "detect-secrets cannot read the baseline" in result.summary
    assert ".secrets.baseline" in result.summary
    missing = scan(configured(project, baseline="nowhere.baseline"), tool_venv)
    assert missing.status is Status.ERROR
    assert missing.summary.startswith("the secrets baseline nowhere.baseline does not exist")


@pytest.mark.slow
def test_a_false_positive_recorded_in_the_ledger_with_a_reason_is_known(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    project = secrets_repo(make_repo, exclude=["tests/data/*", ".env", "deploy/*"])
    first = scan(project, tool_venv)
    aws = next(f for f in first.details["findings"] if f["code"] == "AWS Access Key")
    entry = book.Entry(
        check="audit",
        tool="detect-secrets",
        rule=aws["code"],
        path=aws["path"],
        fingerprint=aws["fingerprint"],
        message=aws["message"],
        reason="the documented example key of our test account",
    )
    book.write(project.root, book.Ledger((entry,)))
    project.__dict__.pop("ledger", None)
    result = scan(project, tool_venv)
    assert result.status is Status.FAILED
    assert result.summary.startswith("secrets: 1 new finding (Basic Auth Credentials ")
    assert "1 known in taskbelt-ledger.toml" in result.summary
    ledger_text = (project.root / book.FILE).read_text(encoding="utf-8")
    assert AWS_KEY not in ledger_text
    sarif = json.loads((project.reports_dir / secrets.SARIF_FILE).read_text(encoding="utf-8"))
    states = sorted(r["baselineState"] for r in sarif["runs"][0]["results"])
    assert states == ["new", "unchanged"]


@pytest.mark.slow
def test_history_finds_a_secret_deleted_from_the_tree_once_with_its_commit(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    project = make_repo({**CLEAN_SRC, "src/demo/conf.py": f'KEY = "{AWS_KEY}"\n'})
    root = project.root
    first = git(root, "rev-parse", "--short", "HEAD").strip()
    for n in range(3):  # three more versions of the file, the key in each
        (root / "src/demo/conf.py").write_text(f'KEY = "{AWS_KEY}"\nN = {n}\n', encoding="utf-8")
        git(root, "commit", "-qam", f"edit {n}")
    (root / "src/demo/conf.py").write_text("KEY = None\n", encoding="utf-8")
    (root / "src/demo/token.py").write_text(f'TOKEN = "{GITHUB_TOKEN}"\n', encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "the key goes, a token comes")
    tree_only = scan(configured(project), tool_venv)
    assert tree_only.summary.startswith("secrets: 2 findings (Base64 High Entropy String src/demo/")
    result = scan(configured(project, history=True), tool_venv)
    found = [(f["path"], f["code"], f.get("commit")) for f in result.details["findings"]]
    assert set(found) == {
        ("src/demo/conf.py", "AWS Access Key", first),
        ("src/demo/token.py", "Base64 High Entropy String", None),
        ("src/demo/token.py", "GitHub Token", None),
    }
    assert result.details["history"] == 4, "the four versions of conf.py the tree no longer holds"
    assert f"src/demo/conf.py:1 (in history, commit {first}): AWS Access Key" in result.output
    assert AWS_KEY not in result.output + json.dumps(result.details)


@pytest.mark.slow
def test_history_reads_each_file_version_once_across_runs(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    project = make_repo({**CLEAN_SRC, "src/demo/conf.py": f'KEY = "{AWS_KEY}"\n'})
    (project.root / "src/demo/conf.py").write_text("KEY = None\n", encoding="utf-8")
    git(project.root, "commit", "-qam", "gone")
    scan(configured(project, history=True), tool_venv)
    tools = tool_venv("audit")
    ctx = CheckContext(project=configured(project, history=True), tools_bin=tools / "bin")
    before = (project.state_dir / "cache" / "secrets-history.json").read_text(encoding="utf-8")
    again = secrets.scan(dataclasses.replace(ctx, tools_bin=project.root / "no-tools"))
    assert again.status is Status.FAILED, again.summary  # answered from what was kept
    assert (project.state_dir / "cache" / "secrets-history.json").read_text() == before


@pytest.mark.slow
def test_history_for_one_run_says_its_progress_and_is_not_the_cached_tree_verdict(
    make_repo: MakeRepo,
) -> None:
    """``mise run audit -- --history``: the flag is a setting for the run, so in the cache key."""
    project = make_repo({**CLEAN_SRC, "src/demo/conf.py": f'KEY = "{AWS_KEY}"\n'})
    (project.root / "src/demo/conf.py").write_text("KEY = None\n", encoding="utf-8")
    git(project.root, "commit", "-qam", "gone")
    env = {"TASKBELT_AUDIT__ADVISORY_DB": str(ADVISORY_DB)}
    done, rows = run_rows(project, "audit", env=env)
    assert rows["audit"]["status"] == "passed", done.stdout + done.stderr
    done, rows = run_rows(project, "audit", "--history", env=env)
    assert rows["audit"]["status"] == "failed", done.stdout + done.stderr
    assert "secrets in git history: 1 of 1 file version read" in done.stderr
    assert "src/demo/conf.py:1 (in history, commit " in done.stdout
    done, rows = run_rows(project, "audit", env=env)
    assert rows["audit"]["status"] == "passed"
    assert rows["audit"]["cached"], "the tree's verdict is kept beside the history's"
