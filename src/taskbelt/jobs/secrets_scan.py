"""Scan files for secrets with detect-secrets, in one process; print what was found, never a value.

Run by the audit's ``secrets`` scan with the audit tools' Python (which holds
detect-secrets), from the repository's root::

    python -I secrets_scan.py REQUEST.json

The request names the files (relative to the root), the repository's
detect-secrets baseline if any, and a scratch folder; ``names`` may give a
file the name its findings carry (a blob of git's history, written out
under a folder of its own, carries its path in the repository). It imports
detect-secrets, never taskbelt. One JSON object goes to stdout:

- ``findings``: ``file`` (as reported), ``scanned`` (as read), ``line`` (0 in a binary file), ``offset`` (the
  byte offset in a binary file), ``kind`` (detect-secrets' type, such as
  ``AWS Access Key``), ``hash`` (detect-secrets' SHA-1 of the value, which
  its baselines hold too) and ``known`` (the baseline lists it);
- ``decoded``: the files read in another encoding than UTF-8, by encoding;
- ``pins``: by file, how many hex strings were left out as git commit pins: a value
  of 40 or 64 hex digits named ``rev``, ``ref``, ``sha``, ``commit`` (or
  ending so, as ``taskbelt-ref``) or after ``@`` (``uses: owner/action@id``),
  which detect-secrets' entropy plugin flags on every repository that pins
  its actions or hooks by commit, as the playbook asks;
- ``binary``: the binary files, scanned as their printable strings;
- ``baseline``: the baseline's version and its count of entries;
- ``version``: detect-secrets' own.

detect-secrets skips a file that does not decode as UTF-8 (binary or not)
without a word: a secret in a Latin-1 settings file, or in a committed
binary, would pass. So such a file is given to it as a UTF-8 copy in the
scratch folder, under the same relative path (its plugins and filters look
at the name): the text decoded by charset-normalizer's guess (a dependency
of detect-secrets' own ``requests``), else Latin-1, which decodes anything;
a binary file as its runs of printable ASCII, one per line (named
``NAME.strings.txt``: detect-secrets skips names that end as a binary's do).

A baseline the running detect-secrets cannot read (written by a newer
version, or not a baseline) ends the process with a message and status 3.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes
from detect_secrets.__version__ import VERSION
from detect_secrets.core import baseline
from detect_secrets.core.scan import scan_file
from detect_secrets.settings import default_settings, get_plugins

#: A file holding a NUL byte in its first block is binary (git's own test).
_BINARY_PROBE = 8000
#: Runs of printable ASCII this long or longer are a binary file's strings.
_STRINGS = re.compile(rb"[\x20-\x7e]{8,}")
_STRINGS_SUFFIX = ".strings.txt"
_HEX_KIND = "Hex High Entropy String"
#: A git commit or object id pinned by name (``rev:``, ``taskbelt-ref:``, ``base_sha =``,
#: ``uses: owner/action@<id>``, ``# frozen``): 40 or 64 hex digits, as git writes them.
_COMMIT_PIN = re.compile(
    r"(?i)(?:\b[\w.-]*(?:rev|ref|sha|commit|revision|object)\b[\"']?\s*[:=]\s*[\"']?"
    r"|@)(?:[0-9a-f]{40}|[0-9a-f]{64})\b"
)
_BAD_BASELINE = 3


def _text_copy(data: bytes, scratch: Path, name: str) -> tuple[Path, str, list[int]]:
    """A UTF-8 copy of a file that is not UTF-8; its encoding (or ``binary``) and string offsets."""
    copy = scratch / name
    copy.parent.mkdir(parents=True, exist_ok=True)
    if b"\0" in data[:_BINARY_PROBE]:
        # detect-secrets skips names ending .bin, .png, .zip...: the strings are text
        copy = copy.with_name(copy.name + _STRINGS_SUFFIX)
        runs = list(_STRINGS.finditer(data))
        text = "\n".join(run.group().decode("ascii") for run in runs)
        copy.write_text(text + "\n", encoding="utf-8")
        return copy, "binary", [run.start() for run in runs]
    best = from_bytes(data).best()
    encoding = "latin-1" if best is None else best.encoding
    copy.write_text(data.decode(encoding, errors="replace"), encoding="utf-8")
    return copy, encoding, []


def _read_baseline(path: str) -> tuple[Any, dict[str, Any]]:
    """The baseline's secrets, with detect-secrets set up as the baseline says."""
    try:
        data = baseline.load_from_file(path)
        secrets = baseline.load(data, path)
        get_plugins()  # its plugins are made when first used: a name this version lacks fails here
        return secrets, {
            "version": str(data.get("version", "")),
            "entries": sum(len(found) for found in data.get("results", {}).values()),
        }
    except Exception as err:  # any failure to read it is the same answer: it cannot be used
        print(f"detect-secrets cannot read the baseline {path}: {type(err).__name__}: {err}")
        raise SystemExit(_BAD_BASELINE) from None


def _scan(
    name: str,
    scratch: Path,
    answer: dict[str, Any],
    known: set[tuple[str, str, str]],
    reported: str,
) -> list[dict[str, Any]]:
    """The findings in file ``name``, scanned as text (a UTF-8 copy where it is not UTF-8).

    ``reported``: the name the findings carry, and the baseline knows it by.
    """
    data = Path(name).read_bytes()
    offsets: list[int] = []
    scanned = name
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        copy, encoding, offsets = _text_copy(data, scratch, name)
        scanned = str(copy)
        if encoding == "binary":
            answer["binary"].append(name)
        else:
            answer["decoded"][name] = encoding
    found = []
    lines: list[str] = []
    for secret in scan_file(scanned):
        line = int(secret.line_number)
        if secret.type == _HEX_KIND and not offsets:
            lines = (
                lines or Path(scanned).read_text(encoding="utf-8", errors="replace").splitlines()
            )
            if line <= len(lines) and _COMMIT_PIN.search(lines[line - 1]):
                answer["pins"][reported] = answer["pins"].get(reported, 0) + 1
                continue
        found.append(
            {
                "file": reported,
                "scanned": name,
                "line": 0 if offsets else line,
                "offset": offsets[line - 1] if offsets else None,
                "kind": secret.type,
                "hash": secret.secret_hash,
                "known": (reported, secret.secret_hash, secret.type) in known,
            }
        )
    return found


def main(request_file: str) -> None:
    """Scan the request's files; print the findings as JSON."""
    request = json.loads(Path(request_file).read_text(encoding="utf-8"))
    scratch = Path(request["scratch"])
    names: dict[str, str] = request.get("names") or {}
    known: set[tuple[str, str, str]] = set()
    answer: dict[str, Any] = {
        "version": VERSION,
        "decoded": {},
        "binary": [],
        "findings": [],
        "pins": {},
    }
    with contextlib.ExitStack() as stack:
        if request.get("baseline"):
            secrets, answer["baseline"] = _read_baseline(request["baseline"])
            known = {
                (s.filename, s.secret_hash, s.type)
                for found in secrets.data.values()
                for s in found
            }
        else:
            stack.enter_context(default_settings())
        for name in request["files"]:
            reported = names.get(name, name)
            answer["findings"] += _scan(name, scratch, answer, known, reported)
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
