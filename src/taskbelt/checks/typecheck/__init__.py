"""The ``typecheck`` check, whole.

- :mod:`.check`: runs the repository's chosen checkers and merges their verdicts;
- :mod:`.checkers`: one runner per checker (mypy, pyright, pyrefly, ty): its
  command line and how its output reads;
- :mod:`.hints`: whether the project's code has type hints at all (no checker
  configured and no hint: skipped, not failed);
- :mod:`.hook_dependencies`: the stubs a pre-commit mypy hook installs.
"""
