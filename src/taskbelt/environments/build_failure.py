"""Why uv could not build the project for its editable install, when the network is the cause.

uv's own words say a build failed (``The build backend returned an error``)
or that it could not get the build requirements, then quote the backend's
traceback or its fetch error, in which the one line that matters (``URLError:
... Connection refused``, ``dns error``) is buried 60 lines down. Offline, the
usual cause is a backend that reaches the network while it builds (a version
asked of a server, a file downloaded) or build requirements uv has never
cached: both are named here, first, with what to do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from taskbelt.repository.toml_file import lookup

#: uv's words for a backend that failed, and for build requirements it could not get.
_BACKEND_FAILED = "The build backend returned an error"
_REQUIRES_FAILED = re.compile(
    r"Failed to (?:resolve|install) requirements from `build-system\.requires`"
)
#: What a failed connection says, in Python's words and in uv's.
_NETWORK = re.compile(
    r"URLError|ConnectionRefusedError|ConnectionError|Connection refused|"
    r"Name or service not known|Temporary failure in name resolution|Network is unreachable|"
    r"No route to host|getaddrinfo failed|Failed to establish a new connection|"
    r"Could not resolve host|dns error|Failed to fetch",
    re.IGNORECASE,
)
#: setuptools' legacy backend, which pip and uv use where ``[build-system]`` names none.
_DEFAULT_BACKEND = "setuptools.build_meta:__legacy__"


def _network_line(output: str) -> str | None:
    lines = [
        line.strip().removeprefix("cause: ")
        for line in output.splitlines()
        if _NETWORK.search(line)
    ]
    return lines[-1] if lines else None


def explain(data: Mapping[str, Any], name: str, output: str) -> tuple[str, str] | None:
    """Cause and fix where uv's ``output`` shows a build that needed the network; else None."""
    network = _network_line(output)
    if network is None:
        return None
    requires = lookup(data, "build-system", "requires")
    if _REQUIRES_FAILED.search(output):
        needed = ", ".join(str(r) for r in requires) if isinstance(requires, list) else "?"
        return (
            f"uv could not get the build requirements of {name} ({needed}) from the "
            f"package index: {network}",
            "run once where the index is reachable (uv caches them), or point uv at an "
            "index or a folder of wheels that has them (UV_INDEX_URL, UV_FIND_LINKS)",
        )
    if _BACKEND_FAILED not in output:
        return None
    backend = lookup(data, "build-system", "build-backend") or _DEFAULT_BACKEND
    return (
        f"the build backend ({backend}) reached the network while uv built {name} for its "
        f"editable install, and could not connect: {network}",
        "make the build work offline (what it fetches, such as a version or a file, must "
        "come from the repository or its build requirements), or run where that server is "
        "reachable",
    )
