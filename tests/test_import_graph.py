"""The modules of ``src/taskbelt`` import one another without a circle, and only downwards.

Read from the source (every ``import``, at module level or inside a
function), not from what an interpreter happened to load: a circle that only
a lazy import closes is still a circle, and the next refactoring trips on it.

The package is a stack of wings, each a folder (``taskbelt/<wing>/``): a
module imports its own wing and the wings below it, never one above. The
order is the architecture, lowest first: the ground (errors, results,
defaults, the one file writer) knows nothing of taskbelt; output reports and
masks; the process door runs every tool; settings read ``[tool.taskbelt]``; the ledger
reads the findings a repository carries;
state and tools keep taskbelt's own folder and tool environments; the
repository wing reads what a repository declares and chooses what runs;
environments make the places tests run in; caching remembers verdicts;
checks judge; running plans and runs sessions; commands are the subcommands
beside ``check``; container builds images; frontends are the doors (console
script, argparse, nox).
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import TASKBELT_ROOT

SRC = TASKBELT_ROOT / "src"


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, name: str, modules: set[str]) -> set[str]:
    """The taskbelt modules that ``path`` (module ``name``) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found |= {target} if target in modules else ({base} & modules)
    return found - {name}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in SRC.rglob("*.py")}
    return {name: imported(path, name, set(paths)) for name, path in paths.items()}


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path (first module repeated at the end), or None."""
    state: dict[str, str] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        trail.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return [*trail[trail.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        trail.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_reader_sees_a_circle() -> None:
    """The detector itself finds a planted circle (else the next test proves nothing)."""
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_src_has_no_import_circle() -> None:
    graph = import_graph()
    assert "taskbelt.frontends.cli" in graph
    assert "taskbelt.container.cli" in graph
    assert (
        "taskbelt.running.execution" in graph["taskbelt.frontends.cli"]
    ), "the reader follows `from x import y`"
    found = cycle(graph)
    assert found is None, "import circle: " + " -> ".join(found or [])


#: The wings, lowest first: a module may import its own wing and those below.
ORDER = (
    "jobs",
    "ground",
    "output",
    "process",
    "settings",
    "ledger",
    "state",
    "tools",
    "repository",
    "environments",
    "caching",
    "checks",
    "running",
    "commands",
    "container",
    "frontends",
)

#: Modules whose wing is not the folder they sit in (under ``taskbelt.``;
#: "" is the package itself). The longest matching prefix wins; any other
#: module's wing is its first folder.
PLACED = {
    "": "ground",
    "errors": "ground",
    "defaults": "ground",
    "results": "ground",
    "files": "ground",
    "proc": "process",
    "children": "process",
    "__main__": "frontends",
    "nox_sessions": "frontends",
    "container.__main__": "frontends",
}


def wing(module: str) -> str:
    """The wing of ``taskbelt.<...>``: its entry in :data:`PLACED`, else its first folder."""
    inner = module.removeprefix("taskbelt").removeprefix(".")
    for cut in range(inner.count(".") + 1, -1, -1):
        prefix = ".".join(inner.split(".")[:cut]) if cut else ""
        if prefix in PLACED and (cut or not inner):
            return PLACED[prefix]
    return inner.split(".")[0]


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import of a wing above the importer's own, both modules named."""
    rank = {name: at for at, name in enumerate(ORDER)}
    return [
        f"{low} ({wing(low)}) imports {high} ({wing(high)}), a wing above it"
        for low in sorted(graph)
        for high in sorted(graph[low])
        if rank[wing(high)] > rank[wing(low)]
    ]


def test_the_layer_check_sees_an_upward_import() -> None:
    """A planted import of a higher wing is reported with both modules named."""
    planted = {
        "taskbelt.output.words": {"taskbelt.running.sessions"},
        "taskbelt.running.sessions": {"taskbelt.output.words", "taskbelt.errors"},
        "taskbelt.errors": set(),
    }
    assert upward_imports(planted) == [
        "taskbelt.output.words (output) imports taskbelt.running.sessions (running),"
        " a wing above it"
    ]
    assert wing("taskbelt") == "ground"
    assert wing("taskbelt.container.__main__") == "frontends"
    assert wing("taskbelt.container.layers") == "container"


def test_every_module_has_a_wing() -> None:
    unknown = sorted(m for m in import_graph() if wing(m) not in ORDER)
    assert not unknown, f"modules in no wing (add the folder to ORDER): {unknown}"


def test_imports_only_run_down_the_wings() -> None:
    found = upward_imports(import_graph())
    assert not found, "\n".join(found)
