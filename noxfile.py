# /// script
# dependencies = ["nox>=2025.5.1", "packaging>=24", "pydantic>=2.7", "pydantic-settings>=2.4", "pyyaml>=6", "rich>=13", "tomlkit>=0.13"]
# ///
"""taskbelt's Nox sessions. Thin: every session body lives in taskbelt.nox_sessions.

Run through taskbelt (``mise run check``) or by hand, without mise:
``TASKBELT_PROJECT_ROOT=$PWD uvx nox -f path/to/taskbelt/noxfile.py -s check``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

import nox

from taskbelt import nox_sessions as tb
from taskbelt import output

output.setup_logging(verbose=output.verbose_from_env())
nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["check"]

nox.session(name="lint")(tb.lint_session)
nox.session(name="format")(tb.format_session)
nox.session(name="fix")(tb.fix_session)
nox.session(name="typecheck")(tb.typecheck_session)
nox.session(name="coverage")(tb.coverage_session)
nox.session(name="audit")(tb.audit_session)
for interpreter in tb.test_interpreters():
    nox.session(name=f"test-{interpreter.version}", python=str(interpreter.path))(
        tb.test_session(interpreter)
    )
nox.session(name="check", venv_backend="none")(tb.check_session)
nox.session(name="test", venv_backend="none")(tb.all_tests_session)
