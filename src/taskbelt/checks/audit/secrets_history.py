"""Secrets in git's history: every blob a ref reaches, read once (``--history``).

A secret deleted from the tree is still in every clone. Where
``[tool.taskbelt.audit.secrets] history`` is on (``mise run audit --
--history`` turns it on for one run), the secrets scan also reads each blob
that any ref (branches, tags, stashes) reaches and the tree does not hold
now: git lists them (``git rev-list --objects --all``, blobs only, each
with a path it had), ``git cat-file --batch`` gives their bytes, and each
is written under a folder of its own in a scratch folder, at its path, so
detect-secrets' plugins see its name. A blob's findings are kept by its id
(a blob never changes), so a second run reads only the blobs new since.

A secret the tree holds now is the tree scan's finding; the history adds
only what the tree no longer holds, once per file, kind and value, with
the oldest commit that holds it. Blobs over ``max-file-size`` and under the
excluded globs are left out as in the tree. Progress is said on stderr as
the blobs are read; a git that cannot list or give them is an error.
"""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from taskbelt import proc
from taskbelt.checks.audit.secrets_detect import Finding, memo_key, run_jobs
from taskbelt.checks.base import CheckContext
from taskbelt.errors import ToolError
from taskbelt.output.console import LOGGER
from taskbelt.output.words import plural
from taskbelt.state.store import KeyedStore

_STORE_ENTRY = "secrets-history"
#: Blobs read and scanned per round, and the bytes a round holds at most.
_ROUND_BLOBS = 400
_ROUND_BYTES = 64 * 1024 * 1024
_GIT_TIMEOUT = 600.0
_PROGRESS_SECONDS = 2.0


@dataclass(frozen=True)
class Blob:
    """One blob of the history: its id, a path it had, its size."""

    id: str
    path: str
    size: int


def blobs(root: Path) -> list[Blob]:
    """Every blob a ref reaches, once each, with the first path git names for it.

    Raises:
        ToolError: git could not list them.
    """
    listed = proc.run(
        ["git", "rev-list", "--objects", "--all", "--filter=object:type=blob"],
        cwd=root,
        timeout=_GIT_TIMEOUT,
        error=("git could not list the history's files", "run `git fsck` in the repository"),
    )
    paths: dict[str, str] = {}
    for line in listed.stdout.splitlines():
        sha, _, path = line.partition(" ")
        if path and sha not in paths:
            paths[sha] = path
    if not paths:
        return []
    sizes = proc.run(
        ["git", "cat-file", "--batch-check=%(objectname) %(objectsize)"],
        cwd=root,
        stdin="".join(f"{sha}\n" for sha in paths),
        timeout=_GIT_TIMEOUT,
        error=("git could not size the history's files", "run `git fsck` in the repository"),
    )
    found = []
    for line in sizes.stdout.splitlines():
        sha, _, size = line.partition(" ")
        if sha in paths and size.isdigit():
            found.append(Blob(sha, paths[sha], int(size)))
    return found


def _contents(root: Path, wanted: Sequence[Blob]) -> Iterator[tuple[Blob, bytes]]:
    """Each blob's bytes, from one ``git cat-file --batch``.

    Bytes, which :func:`taskbelt.proc.run` (text) does not carry: the command
    is logged here as proc logs its own.
    """
    git = shutil.which("git") or "git"
    argv = [git, "cat-file", "--batch"]
    LOGGER.info("$ %s", " ".join(argv))
    done = subprocess.run(  # noqa: S603 - git by absolute path, no shell
        argv,
        cwd=root,
        input="".join(f"{blob.id}\n" for blob in wanted).encode(),
        capture_output=True,
        timeout=_GIT_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise ToolError(
            f"git could not give the history's files (exit {done.returncode})",
            "run `git fsck` in the repository",
            output=done.stderr.decode(errors="replace"),
        )
    at = 0
    for blob in wanted:
        header_end = done.stdout.index(b"\n", at)
        at = header_end + 1 + blob.size + 1  # the content, then a newline
        yield blob, done.stdout[header_end + 1 : header_end + 1 + blob.size]


def _rounds(wanted: Sequence[Blob]) -> Iterator[list[Blob]]:
    batch: list[Blob] = []
    held = 0
    for blob in wanted:
        if batch and (len(batch) >= _ROUND_BLOBS or held + blob.size > _ROUND_BYTES):
            yield batch
            batch, held = [], 0
        batch.append(blob)
        held += blob.size
    if batch:
        yield batch


def _scan_round(
    ctx: CheckContext, batch: list[Blob], baseline: Path | None
) -> dict[str, list[dict[str, Any]]]:
    """The findings of each blob of ``batch``, by blob id."""
    with tempfile.TemporaryDirectory(prefix="taskbelt-history-") as scratch:
        folder = Path(scratch)
        names: dict[str, str] = {}
        for blob, data in _contents(ctx.root, batch):
            name = f"{blob.id}/{blob.path}"
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
            names[name] = blob.path
        answer = run_jobs(ctx, folder, sorted(names), baseline, names)
    by_id: dict[str, list[dict[str, Any]]] = {blob.id: [] for blob in batch}
    for item in answer.get("findings", []):
        by_id[str(item["scanned"]).split("/", 1)[0]].append(item)  # the blob's own folder
    return by_id


def _current_blobs(root: Path) -> set[str]:
    """The blobs the index holds now: the tree scan reads those files."""
    done = proc.run(["git", "ls-files", "-s", "-z"], cwd=root, timeout=_GIT_TIMEOUT)
    return {entry.split()[1] for entry in done.stdout.split("\0") if entry.strip()}


def _first_commit(root: Path, blob: str) -> str:
    """The oldest commit (short id) that holds ``blob``."""
    done = proc.run(
        ["git", "log", "--all", "--reverse", "--format=%h", f"--find-object={blob}"],
        cwd=root,
        timeout=_GIT_TIMEOUT,
        ok=None,
    )
    return next(iter(done.stdout.split()), "")


def scan(
    ctx: CheckContext, baseline: Path | None, exclude: Sequence[str], max_size: int
) -> tuple[list[Finding], int]:
    """The secrets only the history holds, and how many blobs it read (kept ones included)."""
    listed = [
        blob
        for blob in blobs(ctx.root)
        if blob.size <= max_size and not any(fnmatch.fnmatch(blob.path, g) for g in exclude)
    ]
    current = _current_blobs(ctx.root)
    wanted = [blob for blob in listed if blob.id not in current]
    store = KeyedStore(ctx.project.state_dir / "cache")
    key = memo_key(baseline)
    kept: dict[str, Any] = (store.get(_STORE_ENTRY, key) or {}) if ctx.reuse else {}
    fresh = [blob for blob in wanted if blob.id not in kept]
    done, said = len(wanted) - len(fresh), time.perf_counter()
    for batch in _rounds(fresh):
        kept.update(_scan_round(ctx, batch, baseline))
        store.put(_STORE_ENTRY, key, kept, compact=True)
        done += len(batch)
        if time.perf_counter() - said > _PROGRESS_SECONDS or done == len(wanted):
            LOGGER.warning(
                "secrets in git history: %d of %s read", done, plural(len(wanted), "file version")
            )
            said = time.perf_counter()
    found: dict[tuple[str, str, str], Finding] = {}
    for blob in reversed(wanted):  # git lists the newest first: the oldest holder wins
        for item in kept.get(blob.id, []):
            place = (blob.path, str(item["kind"]), str(item["hash"]))
            if place not in found:
                found[place] = Finding(
                    blob.path, int(item["line"]), place[1], place[2], bool(item.get("known")),
                    item.get("offset"), blob.id,
                )  # fmt: skip
    dated = [replace(f, commit=_first_commit(ctx.root, f.blob or "")) for f in found.values()]
    return dated, len(wanted)
