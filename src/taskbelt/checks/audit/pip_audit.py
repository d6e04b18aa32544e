"""pip-audit: known vulnerabilities in exactly the dependency set the project locks.

The set comes from ``uv export --frozen`` (hashed, runtime dependencies plus
``[tool.taskbelt.audit] groups``); without ``uv.lock`` it is resolved from
``pyproject.toml`` now, and the result says so. The set is universal (every
platform's and Python's pins) and is audited whole: :mod:`.source` drops
the markers pip-audit would evaluate against its own interpreter. pip-audit
audits each layer without pip (``--disable-pip``) against one service: an
``advisory-db`` folder served on loopback by :mod:`.osv_server`, an
``osv-url``, or by default PyPI's own vulnerability data.

Failing closed: no report, an unreadable report, a service that refuses,
answers 500 or times out, a dependency pip-audit skipped (a URL requirement,
a package the service does not know), or a report that accounts for fewer
dependencies than the set pins is ``error``, never ``passed``. Ignores are
applied after parsing (:mod:`.verdict`), so that an ignore which
matches nothing can be reported.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tempfile
import time
from pathlib import Path

from taskbelt import proc
from taskbelt.checks.audit import source as dependency_source
from taskbelt.checks.audit.memo import ScanMemo
from taskbelt.checks.audit.services import Service, service
from taskbelt.checks.audit.verdict import Report, judge, merge, parse
from taskbelt.checks.base import CheckContext, guarded, tail
from taskbelt.output.words import plural
from taskbelt.results import CheckResult, Status

NAME = "pip-audit"
#: The whole pip-audit run may take this many times ``timeout`` (which bounds
#: each request), and at least _PROCESS_FLOOR seconds.
_PROCESS_FACTOR = 20
_PROCESS_FLOOR = 120.0
_EXCEPTION = re.compile(r"^(?:\w+\.)*\w*(?:Error|Exception|Timeout)(?::\s*(?P<message>.+))?$")

# -- running pip-audit -----------------------------------------------------


def argv(
    requirements_file: Path, report: Path, svc: Service, timeout: float, cache: Path
) -> list[str]:
    """The pip-audit command: hashed requirements, no pip, JSON report in a file."""
    return [
        "pip-audit",
        *("--requirement", str(requirements_file), "--require-hashes", "--disable-pip"),
        *("--format", "json", "--aliases", "on", "--desc", "off", "--progress-spinner", "off"),
        *("--timeout", str(max(1, math.ceil(timeout))), "--cache-dir", str(cache)),
        *("--output", str(report), *svc.flags),
    ]


def _reason(done: proc.Completed) -> str:
    """pip-audit's own words for why it stopped, whole (the table wraps it).

    In order of preference: the last exception that carries a message (for
    an HTTP 500 that is requests' ``HTTPError: 500 Server Error``, not the
    bare ``ServiceError`` chained after it), then its ``ERROR:`` log lines,
    then its last line.
    """
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    raised = [m.group(0) for line in lines if (m := _EXCEPTION.match(line)) and m["message"]]
    logged = [line.split(":", 2)[-1].strip() for line in lines if line.startswith("ERROR:")]
    if raised:
        reason = raised[-1]
    elif logged:
        reason = "; ".join(logged)
    else:
        reason = lines[-1] if lines else f"exit status {done.returncode}, no message"
    return reason


def _could_not_run(svc: Service, done: proc.Completed, started: float, why: str) -> CheckResult:
    return CheckResult(
        NAME,
        Status.ERROR,
        time.perf_counter() - started,
        f"pip-audit could not audit against {svc.label}: {why}",
        tail(done.output),
        {"service": svc.label, "returncode": done.returncode},
    )


def scan(ctx: CheckContext, today: dt.date | None = None) -> CheckResult:
    """Audit the locked dependency set; ``today`` decides which ignores expired."""
    return guarded(NAME, lambda: _scan(ctx, today or dt.date.today()))


def _scan(ctx: CheckContext, today: dt.date) -> CheckResult:
    started = time.perf_counter()
    settings = ctx.project.settings.audit
    with tempfile.TemporaryDirectory(prefix="taskbelt-audit-") as tmp:
        reqs = Path(tmp) / "requirements.txt"
        source = dependency_source.requirements(ctx.project, settings, reqs)
        memo = ScanMemo.for_run(ctx, reqs)
        reused = memo.get() if memo is not None else None
        if reused is not None:
            parsed, label = reused
        else:
            layers = dependency_source.write_layers(reqs, Path(tmp))
            outcome = _run_pip_audit(ctx, layers, Path(tmp), started)
            if isinstance(outcome, CheckResult):
                return outcome
            parsed, text, label = outcome
            if memo is not None:
                memo.put(text, label)
    verdict = judge(parsed, settings.ignore, today, source, label)
    return CheckResult(
        NAME,
        verdict.status,
        time.perf_counter() - started,
        verdict.summary(),
        verdict.output(),
        {**verdict.details(), "reused_scan": reused is not None},
    )


def _run_pip_audit(
    ctx: CheckContext, layers: dependency_source.Layers, folder: Path, started: float
) -> tuple[Report, str, str] | CheckResult:
    """Run pip-audit on each layer: the merged report, its raw text and service, or an error row.

    Fails closed when the reports account for fewer dependencies than the
    set pins: a pin pip-audit dropped without a word is never a pass.
    """
    settings = ctx.project.settings.audit
    texts = []
    with service(ctx) as svc:
        limit = max(_PROCESS_FLOOR, settings.timeout * _PROCESS_FACTOR)
        for layer in layers.files:
            report = folder / f"{layer.stem}.json"
            cmd = argv(layer, report, svc, settings.timeout, ctx.cache_dir("pip-audit"))
            done = ctx.run(cmd, timeout=limit, env=svc.env)
            text = report.read_text(encoding="utf-8") if report.is_file() else ""
            if done.returncode not in (0, 1) or not text.strip():
                return _could_not_run(svc, done, started, _reason(done))
            try:
                parsed = parse(text)
            except (ValueError, KeyError, TypeError):
                return _could_not_run(svc, done, started, "its JSON report is unreadable")
            if done.returncode == 1 and not parsed.vulnerabilities:
                return _could_not_run(svc, done, started, _reason(done))
            texts.append(text)
    text = merge(texts)
    parsed = parse(text)
    accounted = parsed.audited + len(parsed.not_audited)
    if accounted < layers.pins:
        why = f"its report accounts for {accounted} of the {plural(layers.pins, 'pinned dep')}"
        return _could_not_run(svc, done, started, why)
    return parsed, text, svc.label
