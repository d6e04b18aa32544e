"""Prove an image is reproducible: build it twice, differently, and compare.

Each build runs in its own process from a fresh copy of the project, under
deliberate variation: a different build folder, umask 022 vs 077, shuffled
file mtimes, files created in the opposite order, another TZ and another
PYTHONHASHSEED. The two digests must be equal. When they are not, the
report names the platform, the layer (by what added it) and every file that
differs, with diffoscope's view of the layers where diffoscope is installed.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbelt import proc
from taskbelt.container import layers, oci, referrers
from taskbelt.container.build import DIGEST_FILE
from taskbelt.container.context import project_files
from taskbelt.container.inputs import git_revision, source_date_epoch
from taskbelt.errors import ToolError
from taskbelt.settings.container import LAYOUT_NAME

_MAX_FILES = 40
_DIFFOSCOPE_CHARS = 6000
_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Variation:
    """How one of the two builds differs from the other."""

    folder: str
    umask: int
    tz: str
    hash_seed: str
    reverse: bool
    mtime_seed: int | None


VARIATIONS = (
    Variation("one", 0o022, "UTC", "0", reverse=False, mtime_seed=None),
    Variation(
        "two/deeper/other-name", 0o077, "Pacific/Chatham", "4242", reverse=True, mtime_seed=7
    ),
)


@dataclass(frozen=True)
class Verdict:
    """The outcome of a verify run."""

    digests: tuple[str, str]
    report: tuple[str, ...]
    layouts: tuple[Path, Path]

    @property
    def reproducible(self) -> bool:
        """Both builds gave the same digest, and the same SBOM and provenance."""
        return self.digests[0] == self.digests[1] and not self.report


def copy_project(root: Path, files: Sequence[Path], dest: Path, variation: Variation) -> None:
    """Copy ``files`` into ``dest`` in the variation's order, with its mtimes.

    Modes are those a checkout made under the variation's umask would have.
    """
    order = list(reversed(files)) if variation.reverse else list(files)
    # Shuffling mtimes, not security.
    rng = random.Random(variation.mtime_seed)  # noqa: S311  # nosec B311
    for rel in order:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        source = root / rel
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
            continue
        shutil.copyfile(source, target)
        target.chmod(source.stat().st_mode & 0o777 & ~variation.umask)
        if variation.mtime_seed is not None:
            stamp = rng.randint(1, 2**31 - 1)
            os.utime(target, (stamp, stamp))
    for here, dirs, _ in os.walk(dest):
        for name in dirs:
            (Path(here) / name).chmod(0o777 & ~variation.umask)
            if variation.mtime_seed is not None:
                stamp = rng.randint(1, 2**31 - 1)
                os.utime(Path(here) / name, (stamp, stamp))


def child_argv(
    copy: Path,
    out: Path,
    variation: Variation,
    *,
    epoch: int,
    revision: str | None,
    extra: Sequence[str],
) -> list[str]:
    """The command that builds one variation in its own process."""
    argv = [
        sys.executable, "-m", "taskbelt.container",
        "--root", str(copy), "--output", str(out), "--umask", f"{variation.umask:03o}",
        "--source-date-epoch", str(epoch),
    ]  # fmt: skip
    if revision:
        argv += ["--revision", revision]
    return [*argv, *extra]


def verify(
    root: Path,
    extra: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    keep: Path | None = None,
    output: Path | None = None,
) -> Verdict:
    """Build twice under variation and compare.

    Args:
        root: the project.
        extra: further options for both builds (``--platform``, ``--base``, ``--cache-dir``).
        env: the environment (default: ours).
        keep: where to leave the two builds (default: a temporary folder, removed).
        output: when the builds agree, the image is moved here (``oci/`` and the digest file).
    """
    environ = dict(os.environ if env is None else env)
    epoch = source_date_epoch(root, None, environ)
    revision = git_revision(root, environ)
    files = project_files(root, environ, [output] if output is not None else [])
    tmp = keep or Path(tempfile.mkdtemp(prefix="taskbelt-verify-"))
    try:
        digests: list[str] = []
        layouts: list[Path] = []
        for variation in VARIATIONS:
            folder = tmp / variation.folder
            copy, out = folder / "src", folder / "out"
            copy_project(root, files, copy, variation)
            child_env = {**environ, "TZ": variation.tz, "PYTHONHASHSEED": variation.hash_seed}
            child_env.pop("SOURCE_DATE_EPOCH", None)
            child_env["PYTHONPATH"] = os.pathsep.join(
                [str(Path(__file__).resolve().parents[2]), environ.get("PYTHONPATH", "")]
            ).rstrip(os.pathsep)
            proc.run(
                child_argv(copy, out, variation, epoch=epoch, revision=revision, extra=extra),
                cwd=copy,
                env=child_env,
                timeout=_TIMEOUT,
                error=(
                    f"verify: build {len(digests) + 1} of 2 failed",
                    "run `mise run container` to see the error on its own",
                ),
            )
            digests.append((out / DIGEST_FILE).read_text(encoding="utf-8").strip())
            layouts.append(out / LAYOUT_NAME)
        pair = (digests[0], digests[1])
        if pair[0] == pair[1]:
            report = tuple(compare_referrers(layouts[0], layouts[1]))
        else:
            report = tuple(compare(layouts[0], layouts[1]))
        if output is not None and not report:
            publish(layouts[0], output)
        return Verdict(pair, report, (layouts[0], layouts[1]))
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


_KINDS = {referrers.SBOM: "SBOM", referrers.PROVENANCE: "provenance"}


def compare_referrers(first: Path, second: Path) -> list[str]:
    """What differs between two builds' SBOMs and provenance statements (same image)."""
    one = referrers.found(oci.Layout.open(first))
    two = referrers.found(oci.Layout.open(second))
    lines = []
    for subject, kind in sorted(set(one) | set(two)):
        a, b = one.get((subject, kind), "none"), two.get((subject, kind), "none")
        if a != b:
            what = _KINDS.get(kind, kind)
            lines.append(f"the {what} of image {subject} differs between the builds: {a} vs {b}")
    return lines


def publish(layout: Path, output: Path) -> Path:
    """Move a verified layout to ``output/oci`` (by rename, replacing the old one)."""
    output.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{LAYOUT_NAME}.", suffix=".tmp", dir=output))
    dest, old = output / LAYOUT_NAME, output / f".{LAYOUT_NAME}.old-{os.getpid()}"
    try:
        shutil.move(str(layout), staging / LAYOUT_NAME)
        if dest.exists():
            dest.replace(old)
        (staging / LAYOUT_NAME).replace(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return dest


def _layer_roles(config: Mapping[str, Any], count: int) -> list[str]:
    roles = [
        str(h.get("created_by") or h.get("comment") or "")
        for h in config.get("history") or []
        if not h.get("empty_layer")
    ]
    roles = roles[-count:] if len(roles) >= count else [""] * (count - len(roles)) + roles
    return [r.removeprefix("/bin/sh -c ").strip()[:80] for r in roles]


def _platform_key(desc: Mapping[str, Any], i: int) -> str:
    platform = desc.get("platform")
    return oci.platform_text(platform) if platform else f"image {i + 1}"


def compare(a: Path, b: Path) -> list[str]:
    """What differs between two layouts: platform, layer, files."""
    la, lb = oci.Layout.open(a), oci.Layout.open(b)
    ta, tb = la.top(), lb.top()
    lines = [f"not reproducible: {ta['digest']} != {tb['digest']}"]
    ma = {_platform_key(d, i): (d, m) for i, (d, m) in enumerate(la.manifests(ta))}
    mb = {_platform_key(d, i): (d, m) for i, (d, m) in enumerate(lb.manifests(tb))}
    if set(ma) != set(mb):
        lines.append(f"platforms differ: {sorted(ma)} != {sorted(mb)}")
    for key in sorted(set(ma) & set(mb)):
        (da, man_a), (db, man_b) = ma[key], mb[key]
        if da["digest"] == db["digest"]:
            continue
        lines += _compare_manifest(key, la, man_a, lb, man_b)
    return lines


def _compare_manifest(
    key: str, la: oci.Layout, man_a: Mapping[str, Any], lb: oci.Layout, man_b: Mapping[str, Any]
) -> list[str]:
    lines = []
    conf_a = la.read_json(str(man_a["config"]["digest"]))
    conf_b = lb.read_json(str(man_b["config"]["digest"]))
    layers_a, layers_b = list(man_a.get("layers", [])), list(man_b.get("layers", []))
    if len(layers_a) != len(layers_b):
        lines.append(f"{key}: {len(layers_a)} layers != {len(layers_b)} layers")
    roles = _layer_roles(conf_a, len(layers_a))
    for i, (x, y) in enumerate(zip(layers_a, layers_b, strict=False)):
        if x["digest"] == y["digest"]:
            continue
        role = f" ({roles[i]})" if roles[i] else ""
        lines.append(f"{key}: layer {i + 1} of {len(layers_a)}{role} differs")
        path_a, path_b = la.blob(str(x["digest"])), lb.blob(str(y["digest"]))
        lines += [
            "  " + line
            for line in diff_layers(path_a, str(x["mediaType"]), path_b, str(y["mediaType"]))
        ]
        lines += _diffoscope(path_a, path_b)
    changed = _changed_keys(conf_a, conf_b)
    if changed:
        lines.append(f"{key}: image config differs in {', '.join(changed)}")
    return lines


def _changed_keys(a: Mapping[str, Any], b: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for name in sorted(set(a) | set(b)):
        va, vb = a.get(name), b.get(name)
        if va == vb or name == "rootfs":
            continue
        if isinstance(va, Mapping) and isinstance(vb, Mapping) and not prefix:
            keys += _changed_keys(va, vb, f"{name}.")
        else:
            keys.append(prefix + name)
    return keys


def diff_layers(a: Path, media_a: str, b: Path, media_b: str) -> list[str]:
    """The files that differ between two layer blobs, and how."""
    ma, mb = dict(layers.members(a, media_a)), dict(layers.members(b, media_b))
    out = []
    for name in sorted(set(ma) | set(mb)):
        if name not in mb:
            out.append(f"{name}: only in build 1")
        elif name not in ma:
            out.append(f"{name}: only in build 2")
        elif ma[name] != mb[name]:
            out.append(f"{name}: {', '.join(ma[name].differences(mb[name]))} differ")
    if not out and list(ma) != list(mb):
        out.append("same files, in a different order")
    if not out:
        out.append("same files and contents: the tar or gzip encoding differs")
    if len(out) > _MAX_FILES:
        out = [*out[:_MAX_FILES], f"... and {len(out) - _MAX_FILES} more"]
    return out


def _diffoscope(a: Path, b: Path) -> list[str]:
    if proc.which("diffoscope") is None:
        return []
    try:
        done = proc.run(
            ["diffoscope", "--text", "-", "--no-progress", str(a), str(b)], timeout=600, ok=(0, 1)
        )
    except ToolError:
        return []
    text = done.stdout.strip()
    if not text:
        return []
    if len(text) > _DIFFOSCOPE_CHARS:
        text = text[:_DIFFOSCOPE_CHARS] + "\n..."
    return ["  diffoscope:", *("    " + line for line in text.splitlines())]
