# Sourced by every taskbelt task (not a task itself: mise only runs executable files).
# Runs the taskbelt CLI from taskbelt's own locked environment, on the repository
# that includes the tasks. Everything generated lives in that repository's .taskbelt-cache/.
set -euo pipefail
taskbelt_home="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
project_root="${MISE_PROJECT_ROOT:-$(pwd)}"
export TASKBELT_PROJECT_ROOT="$project_root"
export UV_PROJECT_ENVIRONMENT="$project_root/.taskbelt-cache/runner"
taskbelt() {
    uv run --quiet --frozen --no-dev --project "$taskbelt_home" -- taskbelt "$@"
}
