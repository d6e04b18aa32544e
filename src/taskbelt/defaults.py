"""Every default value taskbelt uses, in one place.

Other modules import names from here instead of repeating literals, so a
default changes in one line and the configuration reference can be checked
against this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

#: Root of the taskbelt checkout (holds noxfile.py, config/, tasks/).
TASKBELT_HOME: Final = Path(__file__).resolve().parents[2]
CONFIG_DIR: Final = TASKBELT_HOME / "config"
LOCKS_DIR: Final = CONFIG_DIR / "locks"
TOOLS_IN: Final = CONFIG_DIR / "tools.in"
NOXFILE: Final = TASKBELT_HOME / "noxfile.py"
RUFF_CONFIG: Final = CONFIG_DIR / "ruff.toml"
MYPY_CONFIG: Final = CONFIG_DIR / "mypy.ini"
BANDIT_CONFIG: Final = CONFIG_DIR / "bandit.toml"
#: bandit's own INI (or YAML) configuration, at the repository's root.
BANDIT_INI: Final = ".bandit"

#: Folder inside the user's repository that holds everything taskbelt generates.
STATE_DIR_NAME: Final = ".taskbelt-cache"
#: The debt ledger (:mod:`taskbelt.ledger`), at the repository root.
LEDGER_FILE: Final = "taskbelt-ledger.toml"
#: Where the CI systems say which branch a pull or merge request targets (the base
#: a change is compared with: the ledger's growth, ``diff-fail-under``).
CHANGE_TARGET_VARIABLES: Final = ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
#: Folders no walk of the repository enters: version control, virtual environments, caches.
NEVER_WALKED: Final = frozenset(
    {".git", ".venv", "venv", ".nox", ".tox", "node_modules", "__pycache__"}
)
ENVS_SUBDIR: Final = "envs"
REPORTS_SUBDIR: Final = "reports"
RUN_LOCK_NAME: Final = "run.lock"
COVERAGE_SUBDIR: Final = "coverage"

#: Default coverage gate, in percent.
FAIL_UNDER: Final = 90.0
#: Decimals of the coverage figure where coverage's ``[report] precision`` is unset.
COVERAGE_PRECISION: Final = 2
#: Coverage report files written by the coverage check (the gate needs none).
#: JSON and HTML are left out by default: HTML costs more than the gate itself.
COVERAGE_REPORTS: Final[tuple[Literal["xml", "json", "html"], ...]] = ("xml",)
#: Where PYTHONDONTWRITEBYTECODE is set, the test run keeps bytecode and pytest's
#: rewritten test modules in the state folder anyway (PYTHONPYCACHEPREFIX).
BYTECODE_CACHE: Final = True
#: Its folder under the state folder's cache/.
PYCACHE_TOOL: Final = "pycache"
#: Seconds a check may run (environment included) before it is stopped and is an
#: `error` naming the timeout: generous, so that only a hang meets it.
CHECK_TIMEOUT: Final = 1800.0
#: Seconds before an advisory service request is given up (fail closed).
AUDIT_TIMEOUT: Final = 30.0
#: The secrets scan's size limit per file: larger (generated) files are named, not scanned.
SECRETS_MAX_FILE_SIZE: Final = 5 * 1024 * 1024
#: ``--history``: the setting ``[tool.taskbelt.audit.secrets] history`` for one run.
ENV_HISTORY_SCAN: Final = "TASKBELT_AUDIT__SECRETS__HISTORY"
#: detect-secrets' usual baseline file, honoured where it exists.
SECRETS_BASELINE: Final = ".secrets.baseline"
#: Lowest bandit severity and confidence that fail the audit; findings below
#: them are listed as notes. ``medium``: what most projects run bandit at.
BANDIT_SEVERITY: Final = "medium"
BANDIT_CONFIDENCE: Final = "low"

#: Where the repository says which tools it runs (read by :mod:`taskbelt.repository.tool_choice`):
#: pre-commit's configuration (its own search order), files whose commands run
#: a formatter, and folders whose every YAML file is a CI workflow.
PRECOMMIT_CONFIGS: Final = (".pre-commit-config.yaml", ".pre-commit-config.yml")
COMMAND_FILES: Final = (
    "tox.ini",
    "tox.toml",
    "noxfile.py",
    "Makefile",
    "justfile",
    ".gitlab-ci.yml",
)
WORKFLOW_FOLDERS: Final = (".github/workflows",)

#: Whose tool versions run by default: the repository's pins where it has them.
TOOL_VERSIONS: Final = "repository"
#: The type checkers ``typecheck`` runs, in the order taskbelt prefers one
#: when a repository configures several (:mod:`taskbelt.repository.type_checker_choice`).
TypeChecker = Literal["mypy", "pyright", "basedpyright", "ty", "pyrefly"]

#: Source and test folder names tried, in order, when `src`/`tests` are not set.
TEST_DIR_CANDIDATES: Final = ("tests", "test")

#: Files where coverage or pytest may be configured (coverage's own search list and pytest's).
COVERAGE_CONFIG_FILES: Final = (
    ".coveragerc",
    "setup.cfg",
    "tox.ini",
    "pyproject.toml",
    "pytest.ini",
)
#: First Python whose sys.monitoring coverage measures lines (coverage's "sysmon" core).
SYSMON_PYTHON: Final = "3.12"

#: Environment variables that name taskbelt's runtime options.
ENV_PREFIX: Final = "TASKBELT_"
ENV_PROJECT_ROOT: Final = "TASKBELT_PROJECT_ROOT"
ENV_REPORT: Final = "TASKBELT_REPORT"
ENV_VERBOSE: Final = "TASKBELT_VERBOSE"
ENV_NO_CACHE: Final = "TASKBELT_NO_CACHE"
ENV_CI_TOOLS: Final = "TASKBELT_CI_TOOLS"
#: ``ignore``: the type checkers' own baselines are not honoured (``ledger --import-baselines``).
ENV_CHECKER_BASELINES: Final = "TASKBELT_CHECKER_BASELINES"
#: Every ``TASKBELT_*`` variable that is not a ``[tool.taskbelt]`` setting;
#: any other name that is no setting is an error (a typo must not be ignored).
ENV_OWN: Final = frozenset(
    {
        ENV_PROJECT_ROOT, ENV_REPORT, ENV_VERBOSE, ENV_NO_CACHE, ENV_CI_TOOLS, ENV_CHECKER_BASELINES,
        # Set by the test check for its pytest job, which removes them at once.
        "TASKBELT_RECORD_IMPORTS", "TASKBELT_RECORD_MODULES",
        # Set by the test check for the tests: their Python, the run's Pythons.
        "TASKBELT_TEST_PYTHON", "TASKBELT_TEST_MATRIX",
        # The job variables of the GitLab CI template (templates/check.yml).
        "TASKBELT_WORKDIR", "TASKBELT_HOME", "TASKBELT_REPOSITORY", "TASKBELT_REF",
        "TASKBELT_MISE_VERSION", "TASKBELT_UV_VERSION", "TASKBELT_GATE",
        "TASKBELT_CONTAINER_JOB",
        # Where taskbelt's own test suite keeps its environments.
        "TASKBELT_TEST_ENVS",
    }
)  # fmt: skip

#: Characters of a tool's output kept in a result (the tail is kept).
OUTPUT_TAIL_CHARS: Final = 20_000
