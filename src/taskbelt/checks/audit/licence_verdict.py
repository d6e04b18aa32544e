"""The licence policy (``[tool.taskbelt.audit] licenses``) judged on the SBOM's licences.

A package is judged by the licences its SBOM component lists (or by its
``packages`` entry in the policy):

- ``A OR B`` passes when either licence does, ``A AND B`` when both do; a
  licence with an exception passes where the licence alone is allowed or
  the pair is listed;
- a licence passes when ``deny`` does not list it and ``allow`` (if set)
  does;
- a component that lists several licences declares all of them, and
  passes only when each does: a list the metadata leaves ambiguous is read
  the strict way;
- words that are no SPDX expression (``License :: OSI Approved :: BSD
  License``, which names no single BSD licence) and a package without a
  licence are *unknown*, and fail: a package whose licence cannot be told
  is not known to be allowed. ``packages = { jinja2 = "BSD-3-Clause" }``
  says which licence it carries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from packaging.utils import canonicalize_name

from taskbelt.settings import spdx
from taskbelt.settings.licences import LicencePolicy

Verdict = Literal["allowed", "denied", "unknown"]


@dataclass(frozen=True)
class Judged:
    """One package's verdict and what it rests on."""

    package: str
    version: str
    #: The licences it was judged by, as listed (or its ``packages`` entry).
    licences: tuple[str, ...]
    verdict: Verdict
    #: Denied: the licences that keep it out; unknown: the words that are no SPDX licence.
    why: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        """``name version: why``, for the row's output."""
        named = f"{self.package} {self.version}"
        if self.verdict == "denied":
            return f"{named}: licence {' AND '.join(self.why)} not allowed"
        if not self.why:
            return f"{named}: no licence found"
        return f"{named}: licence unknown ({'; '.join(self.why)})"

    def to_json(self) -> dict[str, Any]:
        """The JSON report's entry."""
        return {
            "package": self.package,
            "version": self.version,
            "licenses": list(self.licences),
            "verdict": self.verdict,
            "why": list(self.why),
        }


def judge(policy: LicencePolicy, components: Sequence[Mapping[str, Any]]) -> list[Judged]:
    """Each component's verdict under ``policy``."""
    allow = None if policy.allow is None else set(policy.allow)
    deny = set(policy.deny)

    def allowed(licence: str, base: str) -> bool:
        if licence in deny or base in deny:
            return False
        return allow is None or licence in allow or base in allow

    judged = []
    for component in components:
        name, version = str(component.get("name")), str(component.get("version"))
        chosen = policy.packages.get(str(canonicalize_name(name)))
        licences = (chosen,) if chosen else tuple(listed(component))
        judged.append(_judge(name, version, licences, allowed))
    return judged


def _judge(name: str, version: str, licences: tuple[str, ...], allowed: Any) -> Judged:
    blocked: list[str] = []
    unknown: list[str] = []
    for text in licences:
        try:
            blocked += spdx.blocking(spdx.parse(text), allowed)
        except spdx.NotSpdx:
            unknown.append(text)
    if blocked:
        return Judged(name, version, licences, "denied", tuple(dict.fromkeys(blocked)))
    if unknown or not licences:
        return Judged(name, version, licences, "unknown", tuple(unknown))
    return Judged(name, version, licences, "allowed")


def listed(component: Mapping[str, Any]) -> list[str]:
    """A component's licences as written: SPDX ids, expressions or words."""
    found = []
    for entry in component.get("licenses", []):
        licence = entry.get("license", {})
        text = entry.get("expression") or licence.get("id") or licence.get("name")
        if isinstance(text, str) and text:
            found.append(text)
    return found


def unused(policy: LicencePolicy, components: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ``packages`` entries that name no package of the SBOM."""
    held = {str(canonicalize_name(str(c.get("name")))) for c in components}
    return sorted(set(policy.packages) - held)
