"""Skip a check whose inputs have not changed since it last passed.

A check's key hashes everything that can change its verdict: the content of
the repository's files that the check reads (Python files and configuration
for lint, format and typecheck; every file for the tests), taskbelt's own
code, default configuration and tool locks, the interpreter, the
environment variables that can change it (:mod:`taskbelt.caching.key_environ`: all but
the terminal's for the tests), and for the audit the advisory database.
What of the files and the environment a check reads is its declaration
(:mod:`taskbelt.checks.interface`); the caller passes it in, so that this
module stays light enough for the fast path. Only a ``passed``
verdict is stored; a failure or an error is never cached, so it reruns until
it passes. The audit against an online service is never cached: the service
learns of new vulnerabilities without anything here changing.

File contents are hashed, not timestamps: touching a file does not rerun a
check. To keep that cheap, a small index remembers each file's (mtime, size)
and digest, and only files whose mtime or size moved are read again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from taskbelt import defaults
from taskbelt.caching import key_environ
from taskbelt.repository.tracked_files import list_files
from taskbelt.results import CheckResult, Status
from taskbelt.state.store import KeyedStore

#: Files every static check reads besides Python sources, the ones that say
#: which tool runs (:mod:`taskbelt.repository.tool_choice`) included. Not the
#: debt ledger: it is an input of the checks whose findings it holds only, through
#: their spec (see :meth:`taskbelt.running.orchestrator.Runner.spec`).
CONFIG_NAMES = frozenset(
    {
        "pyproject.toml", "ruff.toml", ".ruff.toml", "setup.cfg", ".flake8", "mypy.ini", ".mypy.ini",
        "uv.lock", ".python-version", ".gitignore", "py.typed", "setup.py",
        "pyrightconfig.json", "ty.toml", "pyrefly.toml",  # typechoice.CONFIG_FILES
        defaults.BANDIT_INI,
        *defaults.PRECOMMIT_CONFIGS, *defaults.COMMAND_FILES,
    }
)  # fmt: skip
PY_SUFFIXES = frozenset({".py", ".pyi"})
#: Environment variables that only change where output goes, not a verdict.
VOLATILE_ENV = frozenset(
    {
        defaults.ENV_REPORT, defaults.ENV_VERBOSE, defaults.ENV_PROJECT_ROOT,
        defaults.ENV_NO_CACHE,
    }
)  # fmt: skip


@dataclass
class FileIndex:
    """Content digests of files, re-read only when mtime or size changed.

    Kept in the keyed store as entry ``file-index`` of ``folder``; its key
    names the layout of an entry (``[mtime_ns, size, sha256]``).
    """

    folder: Path
    entries: dict[str, list[object]] = field(default_factory=dict)
    dirty: bool = False

    NAME = "file-index"
    LAYOUT = "mtime_ns,size,sha256"

    @classmethod
    def load(cls, folder: Path) -> FileIndex:
        """Read the index (a missing or unreadable one is simply rebuilt)."""
        entries = KeyedStore(folder).get(cls.NAME, cls.LAYOUT)
        return cls(folder, entries or {})

    def digest(self, root: Path, rel: str) -> str:
        """sha256 of ``root/rel``'s content."""
        full = root / rel
        stat = full.stat()
        key = str(full)
        match self.entries.get(key):
            case [stat.st_mtime_ns, stat.st_size, str(sha)]:
                return sha
        sha = hashlib.sha256(full.read_bytes()).hexdigest()
        self.entries[key] = [stat.st_mtime_ns, stat.st_size, sha]
        self.dirty = True
        return sha

    def save(self) -> None:
        """Persist the index if anything was re-read."""
        if self.dirty:
            KeyedStore(self.folder).put(self.NAME, self.LAYOUT, self.entries, compact=True)
            self.dirty = False


#: Files besides Python sources that decide what coverage measures.
COVERAGE_CONFIG_NAMES = CONFIG_NAMES | {".coveragerc", "pytest.ini", ".pytest.ini"}


def tree_digest(root: Path, state_dir: Path) -> str:
    """One digest of the repository's Python files and test and coverage settings.

    Coverage data are stamped with it before a test run makes them, and the
    gate combines only data whose stamp is today's: data from an older tree
    (a test removed since, a module edited) never pass the gate. Other files
    are left out on purpose: a suite that writes logs or snapshots into the
    tree would otherwise make its own data look stale.
    """
    index = FileIndex.load(state_dir / "cache")
    digest = hashlib.sha256()
    for rel in list_files(root):
        name = rel.rsplit("/", 1)[-1]
        if name in COVERAGE_CONFIG_NAMES or os.path.splitext(name)[1] in PY_SUFFIXES:
            digest.update(f"{rel}\0{index.digest(root, rel)}\n".encode())
    index.save()
    return digest.hexdigest()


#: Which of the repository's files a verdict can depend on: Python files and
#: configuration (``sources``), or every file (``all``: tests read data files).
Files = Literal["sources", "all"]
#: Which environment variables a verdict can depend on: the tools' own
#: (``tools``: ``RUFF_*``, ``MYPY_*``, ...), or all but the terminal's (``all``:
#: a test can read any).
Environ = Literal["tools", "all"]


def _reads(files: Files, rel: str) -> bool:
    """Whether a verdict that reads ``files`` can depend on file ``rel``."""
    if files == "all":
        # the ledger judges findings, never what the tests do: recording it reruns no test
        return rel != defaults.LEDGER_FILE
    folder, _, name = rel.rpartition("/")
    return (
        name in CONFIG_NAMES
        or os.path.splitext(name)[1] in PY_SUFFIXES
        or (folder in defaults.WORKFLOW_FOLDERS and name.endswith((".yml", ".yaml")))
    )


def folder_fingerprint(folder: Path) -> str:
    """A cheap fingerprint of a folder (count, total size, newest mtime)."""
    count = size = newest = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            stat = os.stat(os.path.join(dirpath, name))
            count, size, newest = count + 1, size + stat.st_size, max(newest, stat.st_mtime_ns)
    return f"{count}:{size}:{newest}"


#: What, besides files, a session's verdict depends on: JSON-able, so that the
#: fast path (taskbelt.frontends.entry_point) can recompute keys without loading the settings.
#: ``interpreter``: a path whose mtime counts; ``newest``: a path; ``tests``:
#: sessions whose keys count; ``advisory_db``: a folder whose fingerprint counts;
#: ``read_files``: files whose bytes count.
Spec = dict[str, str | list[str]]


def spec_inputs(spec: Spec | None, keys: Mapping[str, str | None]) -> list[str] | None:
    """Turn a session's spec into key inputs, read fresh; None: not cacheable now.

    ``interpreter``: the interpreter's path and mtime (an upgrade in place
    reruns); ``newest``: the interpreter mypy resolves imports with;
    ``tests``: the keys of the test sessions (coverage combines their data);
    ``advisory_db``: the offline database's fingerprint; ``read_files``: files
    outside the check's own set whose bytes count (a type checker's baseline,
    wherever the repository keeps it). Every other entry
    (the debt ledger's digest, the merge base a change is compared with, the
    run's Pythons) counts as written: the whole spec is part of the inputs.
    """
    if spec is None:
        return None
    inputs: list[str] = [json.dumps(spec, sort_keys=True, default=str)]
    interpreter = spec.get("interpreter")
    if isinstance(interpreter, str):
        path = Path(interpreter)
        inputs += [interpreter, str(path.stat().st_mtime_ns) if path.exists() else "missing"]
    newest = spec.get("newest")
    if isinstance(newest, str):
        inputs.append(newest)
    tests = spec.get("tests")
    if isinstance(tests, list):
        found = [keys.get(name) for name in tests]
        if None in found:
            return None
        inputs += [str(k) for k in found]
    database = spec.get("advisory_db")
    if isinstance(database, str):
        inputs.append(folder_fingerprint(Path(database)))
    for name in spec.get("read_files") or []:
        path = Path(str(name))
        inputs.append(hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "-")
    return inputs


@dataclass
class VerdictCache:
    """Stored passing verdicts of one repository, keyed by their inputs."""

    root: Path
    state_dir: Path
    environ: Mapping[str, str]
    files: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder = self.state_dir / "verdicts"
        self.store = KeyedStore(self.folder)
        self.index = FileIndex.load(self.state_dir / "cache")
        self.files = list_files(self.root)
        self._home = self._digest_many(defaults.TASKBELT_HOME, self._taskbelt_files())

    @staticmethod
    def _taskbelt_files() -> list[str]:
        home = defaults.TASKBELT_HOME
        return sorted(
            os.path.relpath(p, home)
            for base in (home / "src" / "taskbelt", defaults.CONFIG_DIR)
            for p in base.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        )

    def _digest_many(self, root: Path, rels: Iterable[str]) -> str:
        digest = hashlib.sha256()
        for rel in rels:
            digest.update(f"{rel}\0{self.index.digest(root, rel)}\n".encode())
        return digest.hexdigest()

    def key(
        self,
        session: str,
        extra: Iterable[str] = (),
        *,
        files: Files = "sources",
        environ: Environ = "tools",
    ) -> str:
        """The input hash of ``session`` (``extra``: interpreter, database, ...).

        ``files`` and ``environ``: what of the repository and the environment
        its check says the verdict can depend on.
        """
        env = key_environ.verdict_env(environ == "all", self.environ, VOLATILE_ENV)
        digest = hashlib.sha256()
        for part in (session, self._home, *env, *extra):
            digest.update(f"{part}\n".encode())
        digest.update(
            self._digest_many(self.root, (f for f in self.files if _reads(files, f))).encode()
        )
        self.index.save()
        return digest.hexdigest()

    def get(self, session: str, key: str) -> CheckResult | None:
        """The stored passing result for ``key``, marked as cached."""
        data = self.store.get(session, key)
        if data is None:
            return None
        try:
            stored = CheckResult.from_json(data["result"])
            artifacts = dict(data.get("artifacts", {}))
        except (KeyError, TypeError, ValueError):
            return None  # an entry of another taskbelt: the check runs
        for name, saved in artifacts.items():
            target = Path(name)
            if Path(saved).is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(saved, target)
        return CheckResult(
            stored.name,
            Status.PASSED,
            0.0,
            f"cached: {stored.summary}",
            "",
            {**stored.details, "cached": True},
        )

    def put(
        self, session: str, key: str, result: CheckResult, artifacts: Iterable[Path] = ()
    ) -> None:
        """Store ``result`` if it passed.

        A failure with the same inputs as the stored pass (a flaky test, seen
        with --no-cache) drops it; a failure with other inputs leaves it, so
        returning to the code that passed is still recognised.
        """
        if result.status is not Status.PASSED:
            if self.store.key_of(session) == key:
                self.store.drop(session)
            return
        saved = {}
        for path in artifacts:
            if path.is_file():
                copy = self.folder / f"{session}.{path.name}"
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, copy)
                saved[str(path)] = str(copy)
        self.store.put(session, key, {"result": result.to_json(), "artifacts": saved})
