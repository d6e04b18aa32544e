"""The audit's secrets scan: keys, tokens and passwords in the repository's files.

The detector is detect-secrets (Yelp, 1.5, pinned in the audit tool group),
chosen over gitleaks and trufflehog because it is a Python package: it
installs from taskbelt's hashed lock on every machine taskbelt runs on
(gitleaks is a Go binary from Debian or GitHub releases, trufflehog too),
and its users already keep what taskbelt must honour: the inline
``pragma: allowlist secret`` comment and a ``.secrets.baseline`` file. It
finds the known key formats (AWS, GitHub, GitLab, PyPI, Slack, Stripe,
OpenAI, JWTs, private key blocks, passwords in URLs) and high-entropy
strings.

taskbelt gives it the files git lists (tracked, and untracked ones git does
not ignore: ``git add -A`` would commit them), less:

- symlinks (never followed: one may point outside the repository);
- the globs of ``[tool.taskbelt.audit.secrets] exclude`` (test data that
  holds fake keys on purpose);
- files over ``max-file-size`` (generated data), named in the row.

detect-secrets runs in the audit tools' Python through taskbelt's job
(:mod:`taskbelt.jobs.secrets_scan`), which also reads the files it would
skip without a word: text in another encoding, and binaries (their
strings). Each file's findings are kept by its content's digest, so a run
scans only the files that changed. One rule is taskbelt's own, as
detect-secrets has no rule about file names: a committed ``.env`` file that
assigns a value.

A finding names the file, line and kind, and a short hash of the value
(detect-secrets' SHA-1, as its baselines hold it), never the value. A scan
that could not run, or a baseline it cannot read, is ``error``.

A finding the detect-secrets baseline lists is known to it; the others are
judged by the debt ledger like bandit's (tool ``detect-secrets``, the kind
as the rule), so a false positive can be recorded there with a reason. The
findings also go to ``reports/secrets.sarif``.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from taskbelt import proc
from taskbelt.checks import ledgered, sarif_log
from taskbelt.checks.audit import secrets_history
from taskbelt.checks.audit.secrets_detect import (
    Chosen,
    Finding,
    baseline_file,
    choose,
    scanned,
    scanned_in,
    sort_files,
)
from taskbelt.checks.base import CheckContext, guarded
from taskbelt.errors import ToolError
from taskbelt.ledger import book
from taskbelt.ledger.fingerprint import Spot
from taskbelt.ledger.judge import NEW
from taskbelt.output.words import plural
from taskbelt.results import CheckResult, Status

NAME = "secrets"
#: The tool its findings are recorded under in the ledger and the SARIF log.
TOOL = "detect-secrets"
#: The check whose ledger entries its findings are.
LEDGER_CHECK = "audit"
SARIF_FILE = "secrets.sarif"
_LISTED = 3


def scan(ctx: CheckContext) -> CheckResult:
    """The secrets part of the audit, judged by the ledger; writes ``reports/secrets.sarif``."""
    result = guarded(NAME, lambda: ledgered.ratchet(ctx, _scan(ctx), LEDGER_CHECK, [TOOL]))
    sarif_log.write(ctx.root, ctx.project.reports_dir / SARIF_FILE, result, TOOL, "error")
    return result


def _asides(ctx: CheckContext, found: Found, baselined: int, ledgered_known: int) -> list[str]:
    """What did not count, and what was not read."""
    asides = []
    if ledgered_known:
        asides.append(f"{ledgered_known} known in {book.FILE}")
    if baselined:
        asides.append(f"{baselined} known in {ctx.project.relative(found.baseline or ctx.root)}")
    if found.chosen.excluded:
        asides.append(f"{plural(len(found.chosen.excluded), 'file')} excluded by the settings")
    if found.chosen.too_large:
        listed = ", ".join(found.chosen.too_large[:_LISTED])
        asides.append(f"not scanned, over max-file-size: {listed}")
    if found.chosen.links:
        asides.append(f"{plural(len(found.chosen.links), 'symlink')} not followed")
    return asides


def _scan(ctx: CheckContext) -> CheckResult:
    started = time.perf_counter()
    chosen = choose(ctx)
    baseline = baseline_file(ctx)
    if not chosen.files:
        raise ToolError(
            "the secrets scan found no file to read",
            "check [tool.taskbelt.audit.secrets] exclude and max-file-size",
        )
    done = scanned(ctx, chosen, baseline)
    findings = done.findings
    history = None
    settings = ctx.project.settings.audit.secrets
    if settings.history:
        past, history = secrets_history.scan(
            ctx, baseline, settings.exclude, settings.max_file_size
        )
        now = {(f.file, f.kind, f.hash) for f in findings}
        findings += [f for f in past if (f.file, f.kind, f.hash) not in now]
    found = Found(chosen, findings, done.read_as, baseline, history, done.pins)
    return verdict(ctx, found, started, "file")


def scan_staged(ctx: CheckContext) -> CheckResult:
    """The staged files' secrets, as the commit would hold them (the pre-commit hook's scan).

    git writes the index's version of each staged file into a scratch folder
    (``git checkout-index``): what is committed, not the working tree's edits.
    """
    started = time.perf_counter()
    staged = proc.run(
        ["git", "diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z"],
        cwd=ctx.root,
        error=("git could not list the staged files", "run `git status` to see why"),
    ).stdout.split("\0")
    names = [name for name in staged if name]
    baseline = baseline_file(ctx)
    with tempfile.TemporaryDirectory(prefix="taskbelt-staged-") as scratch:
        folder = Path(scratch)
        if names:
            proc.run(
                ["git", "checkout-index", f"--prefix={folder}/", "-z", "--stdin"],
                cwd=ctx.root,
                stdin="\0".join(names) + "\0",
                error=("git could not copy the staged files", "run `git status` to see why"),
            )
        chosen = sort_files(ctx, folder, names)
        done = scanned_in(ctx, folder, chosen, baseline)
    found = Found(chosen, done.findings, done.read_as, baseline, None, done.pins)
    return verdict(ctx, found, started, "staged file")


@dataclass(frozen=True)
class Found:
    """What a scan read and found, before the ledger judges it."""

    chosen: Chosen
    findings: list[Finding]
    read_as: dict[str, str]
    baseline: Path | None
    #: File versions of git's history read, None where the history was not asked for.
    history: int | None
    #: Hex strings left out as git commit pins.
    pins: int = 0


def verdict(ctx: CheckContext, found: Found, started: float, noun: str) -> CheckResult:
    """The row: findings the baseline and the ledger do not know fail; what was left out is said."""
    chosen, findings, baseline = found.chosen, found.findings, found.baseline
    counted = [f for f in findings if not f.known]
    # a finding only in the history is told apart by its blob (the file's line is another's)
    spots = [
        Spot(f"{f.file}@{f.blob[:12]}" if f.blob else f.file, f.line, 0, f.kind) for f in counted
    ]
    prints, judged = ledgered.judged(ctx, LEDGER_CHECK, TOOL, spots)
    new = [f for f, state in zip(counted, judged.states, strict=True) if state == NEW]
    details = {
        "findings": [
            {**f.to_json(), "tool": TOOL, "fingerprint": print_, "state": state}
            for f, print_, state in zip(counted, prints, judged.states, strict=True)
        ],
        "baselined": [f.to_json() for f in findings if f.known],
        "scanned": len(chosen.files),
        "history": found.history,
        "excluded": list(chosen.excluded),
        "too_large": list(chosen.too_large),
        "links": list(chosen.links),
        "read_as": found.read_as,
        "commit_pins": found.pins,
        "baseline": None if baseline is None else ctx.project.relative(baseline),
        "sarif": str(ctx.project.reports_dir / SARIF_FILE),
    }
    asides = _asides(ctx, found, len(findings) - len(counted), judged.known)
    if found.pins:
        asides.append(f"{plural(found.pins, 'commit pin')} not counted")
    seconds = time.perf_counter() - started
    output = "\n".join(map(str, new))
    if not new:
        clean = f"no secrets in {plural(len(chosen.files), noun)}"
        if found.history is not None:
            clean += f" and {plural(found.history, 'file version')} of the history"
        clean += f" ({'; '.join(asides)})" if asides else ""
        return CheckResult(NAME, Status.PASSED, seconds, clean, output, details)
    shown = ", ".join(f"{f.kind} {f.where}" for f in new[:_LISTED])
    more = f", and {len(new) - _LISTED} more" if len(new) > _LISTED else ""
    kind = "new finding" if ctx.project.ledger.present else "finding"
    summary = "; ".join([f"secrets: {plural(len(new), kind)} ({shown}{more})", *asides])
    return CheckResult(NAME, Status.FAILED, seconds, summary, output, details)
