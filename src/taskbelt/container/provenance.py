"""The image's provenance: an in-toto statement with an SLSA v1 provenance predicate.

It says what was built (the subject: the image manifest's digest), from
what (the commit, ``uv.lock``'s digest, the base image's digest), how (the
build parameters: backend, platform, Python, the settings that shape the
image) and by what (taskbelt's version), with ``SOURCE_DATE_EPOCH``. Only
facts that follow from the inputs go in: no start time, no host name, so
two builds of the same inputs write the same statement, which ``--verify``
checks. It is unsigned; ``--sign`` (a later step) signs it with a real tool.

The format is the published one (https://in-toto.io/Statement/v1,
https://slsa.dev/provenance/v1), written as plain JSON: the in-toto and
sigstore libraries add nothing to writing a document and would pull in a
cryptography stack where no signing happens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taskbelt import __version__

STATEMENT = "https://in-toto.io/Statement/v1"
PREDICATE = "https://slsa.dev/provenance/v1"
#: The build type and builder: taskbelt has no home URL of its own, so these are
#: URNs; docs/container.md ("Provenance") says what the parameters mean.
BUILD_TYPE = "urn:taskbelt:container:v1"
BUILDER = "urn:taskbelt:container"


def statement(
    *,
    image: Mapping[str, str],
    parameters: Mapping[str, Any],
    revision: str | None,
    lock_digest: str,
    base: Mapping[str, str],
    epoch: int,
) -> dict[str, Any]:
    """The provenance of one platform's image.

    Args:
        image: ``name`` and ``digest`` (``sha256:...``) of the image manifest.
        parameters: the build parameters (backend, platform, Python, settings).
        revision: the commit built, if the project is a git checkout.
        lock_digest: ``sha256:...`` of ``uv.lock``.
        base: ``ref`` (as pinned) and ``digest`` of the base image.
        epoch: SOURCE_DATE_EPOCH.
    """
    dependencies: list[dict[str, Any]] = []
    if revision:
        dependencies.append({"uri": "git+HEAD", "digest": {"gitCommit": revision}})
    dependencies.append({"uri": "uv.lock", "digest": _digest(lock_digest)})
    dependencies.append({"uri": base["ref"], "digest": _digest(base["digest"])})
    return {
        "_type": STATEMENT,
        "subject": [{"name": image["name"], "digest": _digest(image["digest"])}],
        "predicateType": PREDICATE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": dict(parameters),
                "internalParameters": {"SOURCE_DATE_EPOCH": epoch},
                "resolvedDependencies": dependencies,
            },
            "runDetails": {
                "builder": {"id": BUILDER, "version": {"taskbelt": __version__}},
                "metadata": {"invocationId": f"{image['digest']}"},
            },
        },
    }


def _digest(text: str) -> dict[str, str]:
    """``sha256:abc`` as an in-toto digest set ``{"sha256": "abc"}``."""
    algorithm, _, value = text.partition(":")
    return {algorithm: value}
