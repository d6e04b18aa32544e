# shellcheck shell=bash
# Sourced by every taskbelt task (not a task itself: mise only runs executable files).
# Runs the taskbelt CLI from taskbelt's own locked environment, on the repository
# that includes the tasks. Everything generated lives in that repository's .taskbelt-cache/.
set -euo pipefail
taskbelt_home="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
# The repository the tasks work on: mise says which; run by hand (tasks/init), it is
# the git repository around the working directory (the superproject when run
# from inside the taskbelt submodule).
project_root="${MISE_PROJECT_ROOT:-}"
if [ -z "$project_root" ]; then
    project_root="$(git rev-parse --show-superproject-working-tree 2>/dev/null || true)"
fi
if [ -z "$project_root" ]; then
    project_root="$(git rev-parse --show-toplevel 2>/dev/null || pwd)"
fi
export TASKBELT_PROJECT_ROOT="$project_root"
# taskbelt's own environment is synced from its uv.lock the first time and whenever
# taskbelt's folder, uv.lock or pyproject.toml change (a stamp records them); otherwise taskbelt starts
# straight from it, which saves `uv run`'s check of the environment (~0.3 s) on
# every task. UV_PROJECT_ENVIRONMENT is set for that `uv sync` alone: exported, it
# would reach every tool and every test suite taskbelt runs, and a repository's
# own `uv run` there would sync into taskbelt's environment.
taskbelt() {
    local runner="$project_root/.taskbelt-cache/runner" want stamp
    stamp="$runner/.taskbelt-synced"
    want="$taskbelt_home $(cat -- "$taskbelt_home/uv.lock" "$taskbelt_home/pyproject.toml" | cksum)"
    if ! { [ -x "$runner/bin/python" ] && [ -x "$runner/bin/taskbelt" ] \
        && [ "$(cat -- "$stamp" 2>/dev/null)" = "$want" ]; }; then
        UV_PROJECT_ENVIRONMENT="$runner" uv sync --quiet --frozen --no-default-groups --inexact --project "$taskbelt_home"
        printf '%s\n' "$want" >"$stamp.$$" && mv -f -- "$stamp.$$" "$stamp"
    fi
    PATH="$runner/bin:$PATH" "$runner/bin/taskbelt" "$@"
}
