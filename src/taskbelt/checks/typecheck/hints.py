"""Whether a project's code has type hints at all.

A repository that configures no type checker, runs none and lists none
among its dependencies, and whose code carries no type hints, has not asked
for type checking: taskbelt's default mypy settings (which check the bodies
of untyped functions too) would judge it by rules it never chose.
``typecheck`` then gets a ``skipped`` row saying so instead
(:mod:`taskbelt.checks.typecheck.check`).

A hint is an annotation on any function's parameter or return, an
annotated assignment, a stub file (``.pyi``) or a ``py.typed`` marker. A
file Python cannot parse counts as hinted: the checker runs and reports it.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from taskbelt import defaults


def any_hints(paths: Iterable[Path]) -> bool:
    """True when a file under ``paths`` (packages or modules) has a type hint."""
    return any(_hinted(path) for path in _files(paths))


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_file():
            yield path
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(
                d for d in dirs if d not in defaults.NEVER_WALKED and not d.startswith(".")
            )
            for name in sorted(files):
                yield Path(folder, name)


def _hinted(path: Path) -> bool:
    if path.name == "py.typed" or path.suffix == ".pyi":
        return True
    if path.suffix != ".py":
        return False
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return True  # not judged here: the checker reads it and says what is wrong
    return any(_annotated(node) for node in ast.walk(tree))


def _annotated(node: ast.AST) -> bool:
    if isinstance(node, ast.AnnAssign):
        return True
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    arguments = node.args
    every = [
        *arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
        *(arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None),
    ]  # fmt: skip
    return node.returns is not None or any(arg.annotation is not None for arg in every)
