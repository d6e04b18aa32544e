"""detect-secrets over the repository's files: which files, kept answers, the job's processes.

The secrets part of the audit (:mod:`taskbelt.checks.audit.secrets`) judges
what this module finds; see there for the choice of detector. Here: the
files git lists less symlinks, excluded globs and files over the size
limit; each file's findings kept by its content's digest; the rest scanned
by :mod:`taskbelt.jobs.secrets_scan` in the audit tools' Python, one process
per core; and taskbelt's own rule, a committed ``.env`` file.
"""

from __future__ import annotations

import contextvars
import fnmatch
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbelt import defaults, jobs, proc
from taskbelt.caching.verdicts import FileIndex
from taskbelt.checks.base import CheckContext, tail
from taskbelt.errors import ToolError
from taskbelt.ledger import book
from taskbelt.repository import tracked_files
from taskbelt.state.store import KeyedStore
from taskbelt.tools import pins

JOB = jobs.FOLDER / "secrets_scan.py"
#: The job's exit status for a baseline detect-secrets cannot read.
BAD_BASELINE = 3
ENV_FILE_KIND = "Committed .env file"
_STORE_ENTRY = "secrets-scan"
_LISTED = 3
#: Files below this many are scanned by one process.
_SHARE = 20
_HASH_SHOWN = 10
#: ``.env``, ``.env.production``, ``prod.env``; not the templates beside them.
_ENV_NAME = re.compile(r"(?:^|/)(?:\.env(?:\.[^/]+)?|[^/]+\.env)$")
_TEMPLATE = re.compile(r"\.(?:example|sample|template|tmpl|dist|defaults?)$")
_ASSIGNED = re.compile(r"^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=\s*(\S.*)$")
_ALLOWLISTED = "pragma: allowlist secret"


@dataclass(frozen=True)
class Finding:
    """One secret found: where, what kind, a hash of it; never the value."""

    file: str
    line: int
    kind: str
    hash: str
    known: bool = False
    #: The byte offset in a binary file (its ``line`` is 0).
    offset: int | None = None
    #: Where it is only in git's history: the blob, and the oldest commit holding it.
    blob: str | None = None
    commit: str = ""

    @property
    def where(self) -> str:
        """``file:line``, or ``file (byte N)`` in a binary file."""
        place = (
            f"{self.file}:{self.line}"
            if self.offset is None
            else f"{self.file} (byte {self.offset})"
        )
        return f"{place} (in history, commit {self.commit})" if self.blob else place

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} (sha1 {self.hash[:_HASH_SHOWN]})"

    def to_json(self) -> dict[str, Any]:
        """The finding as lint's and bandit's are (``path``, ``code``...), plus its hash.

        The hash is detect-secrets' SHA-1 of the value, in full: its baselines hold it too.
        """
        return {
            "path": self.file,
            "line": self.line,
            "column": 0,
            "offset": self.offset,
            "code": self.kind,
            "message": f"{self.kind} (sha1 {self.hash[:_HASH_SHOWN]})",
            "hash": self.hash,
            **({"blob": self.blob, "commit": self.commit} if self.blob else {}),
        }


@dataclass(frozen=True)
class Chosen:
    """The files to scan, and those left out with the reason."""

    files: tuple[str, ...]
    excluded: tuple[str, ...]
    too_large: tuple[str, ...]
    links: tuple[str, ...]


def choose(ctx: CheckContext) -> Chosen:
    """The repository's files the scan reads (see the module docstring)."""
    return sort_files(ctx, ctx.root, tracked_files.list_files(ctx.root))


def sort_files(ctx: CheckContext, folder: Path, names: Iterable[str]) -> Chosen:
    """``names`` (files below ``folder``) sorted into those to read and those left out."""
    settings = ctx.project.settings.audit.secrets
    files, excluded, too_large, links = [], [], [], []
    for rel in names:
        path = folder / rel
        if rel == book.FILE:
            continue  # taskbelt's own ledger: its fingerprints are hashes, high in entropy
        if path.is_symlink():
            links.append(rel)
        elif any(fnmatch.fnmatch(rel, glob) for glob in settings.exclude):
            excluded.append(rel)
        elif path.stat().st_size > settings.max_file_size:
            too_large.append(rel)
        else:
            files.append(rel)
    return Chosen(tuple(files), tuple(excluded), tuple(too_large), tuple(links))


def baseline_file(ctx: CheckContext) -> Path | None:
    """The detect-secrets baseline: the setting, else ``.secrets.baseline`` where it exists.

    Raises:
        ToolError: the setting names a file that does not exist.
    """
    named = ctx.project.settings.audit.secrets.baseline
    if named is None:
        found = ctx.root / defaults.SECRETS_BASELINE
        return found if found.is_file() else None
    path = ctx.root / named
    if not path.is_file():
        raise ToolError(
            f"the secrets baseline {named} does not exist",
            "create it with `detect-secrets scan > .secrets.baseline`, or fix "
            "[tool.taskbelt.audit.secrets] baseline",
        )
    return path


def env_file_findings(root: Path, rel: str) -> list[Finding]:
    """taskbelt's own rule: a committed ``.env`` file that assigns a value (its first such line)."""
    if not _ENV_NAME.search(rel) or _TEMPLATE.search(rel):
        return []
    text = (root / rel).read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        assigned = _ASSIGNED.match(line)
        if assigned and _ALLOWLISTED not in line and not assigned.group(1).startswith("#"):
            digest = hashlib.sha1(assigned.group(1).strip().encode()).hexdigest()  # noqa: S324
            return [Finding(rel, number, ENV_FILE_KIND, digest)]
    return []


def memo_key(baseline: Path | None) -> str:
    """What every file's findings depend on besides its own bytes."""
    digest = hashlib.sha256(pins.lock_digest("audit").encode())
    digest.update(JOB.read_bytes())
    if baseline is not None:
        digest.update(str(baseline).encode() + b"\0" + baseline.read_bytes())
    return digest.hexdigest()


def _run_job(
    ctx: CheckContext,
    folder: Path,
    files: list[str],
    baseline: Path | None,
    names: Mapping[str, str],
) -> dict[str, Any]:
    """detect-secrets' answer for ``files`` (relative to ``folder``, where the job runs).

    Raises:
        ToolError: the job could not run, or could not read the baseline.
    """
    python = str(ctx.tools_bin / "python") if ctx.tools_bin else "python"
    with tempfile.TemporaryDirectory(prefix="taskbelt-secrets-") as scratch:
        request = Path(scratch) / "request.json"
        request.write_text(
            json.dumps(
                {
                    "files": files,
                    "names": {name: names[name] for name in files if name in names},
                    "baseline": None if baseline is None else str(baseline),
                    "scratch": str(Path(scratch) / "copies"),
                }
            ),
            encoding="utf-8",
        )
        done = proc.run(
            [python, "-I", str(JOB), str(request)],
            cwd=folder,
            env=ctx.env(PYTHONUTF8="1"),
            ok=None,
        )
    if done.returncode == BAD_BASELINE:
        raise ToolError(
            done.stdout.strip() or "detect-secrets cannot read the baseline",
            "write it again with the detect-secrets taskbelt runs: "
            "`detect-secrets scan --baseline .secrets.baseline` (detect-secrets 1.5)",
        )
    try:
        answer = json.loads(done.stdout)
        assert isinstance(answer, dict)  # noqa: S101 - read as a shape check
        return answer
    except (ValueError, AssertionError):
        raise ToolError(
            f"the secrets scan exited {done.returncode} without an answer",
            "run with -v to see detect-secrets' message",
            output=tail(done.stderr),
        ) from None


def run_jobs(
    ctx: CheckContext,
    folder: Path,
    files: list[str],
    baseline: Path | None,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """detect-secrets' answer for ``files`` in ``folder``, one process per core, equal bytes each.

    detect-secrets reads about 150 KB a second on one core (taskbelt's own
    338 files: 15 s): a first scan is spread over the cores.
    """
    sizes = {rel: (folder / rel).stat().st_size for rel in files}
    shares: list[list[str]] = [
        [] for _ in range(min(os.cpu_count() or 1, -(-len(files) // _SHARE)))
    ]
    loads = [0] * len(shares)
    for rel in sorted(files, key=lambda r: -sizes[r]):
        least = loads.index(min(loads))
        shares[least].append(rel)
        loads[least] += sizes[rel]
    context = contextvars.copy_context
    with ThreadPoolExecutor(len(shares), thread_name_prefix="taskbelt-secrets") as pool:
        answers = list(
            pool.map(
                lambda share: context().run(_run_job, ctx, folder, share, baseline, names or {}),
                shares,
            )
        )
    merged: dict[str, Any] = {"findings": [], "decoded": {}, "binary": [], "pins": {}}
    for answer in answers:
        merged["findings"] += answer.get("findings", [])
        merged["decoded"].update(answer.get("decoded", {}))
        merged["binary"] += answer.get("binary", [])
        merged["pins"].update(answer.get("pins", {}))
    return merged


def findings_of(items: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """The job's findings as :class:`Finding`."""
    return [
        Finding(
            str(item["file"]),
            int(item["line"]),
            str(item["kind"]),
            str(item["hash"]),
            bool(item.get("known")),
            item.get("offset"),
        )
        for item in items
    ]


@dataclass(frozen=True)
class Scanned:
    """What the scan found in the files it read."""

    findings: list[Finding]
    #: How the files not in UTF-8 were read (an encoding, or ``binary``).
    read_as: dict[str, str]
    #: Hex strings left out as git commit pins (see :mod:`taskbelt.jobs.secrets_scan`).
    pins: int


def scanned(ctx: CheckContext, chosen: Chosen, baseline: Path | None) -> Scanned:
    """Every chosen file's findings, how the files not in UTF-8 were read, the pins left out.

    A file's findings are kept by its content's digest: only the files that
    changed are scanned again.
    """
    store = KeyedStore(ctx.project.state_dir / "cache")
    key = memo_key(baseline)
    kept = (store.get(_STORE_ENTRY, key) or {}) if ctx.reuse else {}
    index = FileIndex.load(ctx.project.state_dir / "cache")
    digests = {rel: index.digest(ctx.root, rel) for rel in chosen.files}
    index.save()
    fresh = [rel for rel in chosen.files if kept.get(rel, [None])[0] != digests[rel]]
    if fresh:
        answer = run_jobs(ctx, ctx.root, fresh, baseline)
        found: dict[str, list[dict[str, Any]]] = {rel: [] for rel in fresh}
        for item in answer.get("findings", []):
            found.setdefault(str(item["file"]), []).append(item)
        read_as = _read_as(answer)
        pins = answer.get("pins", {})
        for rel in fresh:
            kept[rel] = [digests[rel], found[rel], read_as.get(rel, ""), pins.get(rel, 0)]
    memo = {rel: kept[rel] for rel in chosen.files}
    if fresh or len(memo) != len(kept):  # written only when it changed: not on every run
        store.put(_STORE_ENTRY, key, memo, compact=True)
    findings = findings_of(item for rel in chosen.files for item in memo[rel][1])
    for rel in chosen.files:
        findings += env_file_findings(ctx.root, rel)
    read_as = {rel: memo[rel][2] for rel in chosen.files if memo[rel][2]}
    return Scanned(_in_order(findings), read_as, sum(memo[rel][3] for rel in chosen.files))


def scanned_in(ctx: CheckContext, folder: Path, chosen: Chosen, baseline: Path | None) -> Scanned:
    """The findings of files below ``folder`` (staged copies), nothing kept."""
    if not chosen.files:
        return Scanned([], {}, 0)
    answer = run_jobs(ctx, folder, list(chosen.files), baseline)
    findings = findings_of(answer.get("findings", []))
    for rel in chosen.files:
        findings += env_file_findings(folder, rel)
    return Scanned(_in_order(findings), _read_as(answer), sum(answer.get("pins", {}).values()))


def _read_as(answer: Mapping[str, Any]) -> dict[str, str]:
    """The job's files not in UTF-8: each with its encoding, or ``binary``."""
    return {**answer.get("decoded", {}), **dict.fromkeys(answer.get("binary", []), "binary")}


def _in_order(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.file, f.line, f.offset or 0, f.kind))
