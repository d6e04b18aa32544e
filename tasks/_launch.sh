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
export UV_PROJECT_ENVIRONMENT="$project_root/.taskbelt-cache/runner"
taskbelt() {
    uv run --quiet --frozen --no-default-groups --project "$taskbelt_home" -- taskbelt "$@"
}
