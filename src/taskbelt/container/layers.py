"""Deterministic image layers: a sorted tar, gzip without name or time.

A layer's bytes depend only on what goes in it and on SOURCE_DATE_EPOCH:
entries are sorted by path and every parent folder is listed; owners are
0:0 (or the app user where asked) with empty user/group names; modes are
normalised (0755 folders and executables, 0644 other files, 0777 links);
every mtime is set to the epoch (not clamped); the tar is PAX with integer
times, so no time records are written; gzip has no file name and time 0.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Literal

from taskbelt.errors import ProjectError

GZIP_LEVEL = 6
_CHUNK = 1 << 20
EntryKind = Literal["dir", "file", "symlink"]


@dataclass(frozen=True)
class Entry:
    """One path in a layer."""

    path: str
    kind: EntryKind
    mode: int
    uid: int = 0
    gid: int = 0
    source: Path | None = None
    data: bytes | None = None
    target: str = ""


@dataclass(frozen=True)
class Layer:
    """A written layer blob: its digests, size and where it lies."""

    digest: str
    diff_id: str
    size: int
    path: Path
    media_type: str = "application/vnd.oci.image.layer.v1.tar+gzip"


def _clean(path: str | PurePosixPath) -> str:
    parts = [p for p in PurePosixPath(path).parts if p not in {"/", "."}]
    if not parts or ".." in parts:
        msg = f"bad path in layer: {path!r}"
        raise ValueError(msg)
    return "/".join(parts)


class LayerContents:
    """The entries of one layer, keyed by path (later additions win)."""

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def add_dir(
        self, path: str | PurePosixPath, *, mode: int = 0o755, uid: int = 0, gid: int = 0
    ) -> None:
        """A folder."""
        name = _clean(path)
        self._entries[name] = Entry(name, "dir", mode, uid, gid)

    def add_file(
        self,
        path: str | PurePosixPath,
        *,
        source: Path | None = None,
        data: bytes | None = None,
        mode: int | None = None,
        uid: int = 0,
        gid: int = 0,
    ) -> None:
        """A regular file from ``source`` on disk or from ``data``."""
        name = _clean(path)
        if mode is None:
            executable = source is not None and bool(source.stat().st_mode & 0o111)
            mode = 0o755 if executable else 0o644
        self._entries[name] = Entry(name, "file", mode, uid, gid, source=source, data=data)

    def add_symlink(self, path: str | PurePosixPath, target: str) -> None:
        """A symbolic link to ``target``."""
        name = _clean(path)
        self._entries[name] = Entry(name, "symlink", 0o777, target=target)

    def add_tree(
        self, folder: Path, prefix: str | PurePosixPath, *, uid: int = 0, gid: int = 0
    ) -> None:
        """Everything under ``folder`` (not following links), placed at ``prefix``."""
        base = PurePosixPath(_clean(prefix))
        self.add_dir(base, uid=uid, gid=gid)
        for here, dirs, files in os.walk(folder):
            dirs.sort()
            rel = Path(here).relative_to(folder)
            for name in sorted(dirs + files):
                path = Path(here) / name
                dest = base / PurePosixPath(*rel.parts, name)
                info = path.lstat()
                if stat.S_ISLNK(info.st_mode):
                    self.add_symlink(dest, os.readlink(path))
                elif stat.S_ISDIR(info.st_mode):
                    self.add_dir(dest, uid=uid, gid=gid)
                elif stat.S_ISREG(info.st_mode):
                    self.add_file(dest, source=path, uid=uid, gid=gid)
                else:
                    raise ProjectError(
                        f"{path} is neither a file, a folder nor a link",
                        "remove it, or keep it out of the image",
                    )

    def entries(self) -> list[Entry]:
        """All entries sorted by path, with every missing parent folder added."""
        entries = dict(self._entries)
        for name in list(entries):
            for parent in PurePosixPath(name).parents:
                key = str(parent)
                if key != "." and key not in entries:
                    entries[key] = Entry(key, "dir", 0o755)
        return [entries[k] for k in sorted(entries, key=lambda k: k.encode("utf-8"))]


class _Hashing(io.RawIOBase):
    """A write-only stream that hashes and counts what passes to ``sink``."""

    def __init__(self, sink: IO[bytes]) -> None:
        super().__init__()
        self.sink = sink
        self.hash = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        view = memoryview(data)
        self.hash.update(view)
        self.size += len(view)
        self.sink.write(view)
        return len(view)


def _tarinfo(entry: Entry, epoch: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(entry.path)
    info.mtime = epoch
    info.mode = entry.mode
    info.uid, info.gid = entry.uid, entry.gid
    info.uname = info.gname = ""
    if entry.kind == "dir":
        info.type = tarfile.DIRTYPE
    elif entry.kind == "symlink":
        info.type = tarfile.SYMTYPE
        info.linkname = entry.target
    else:
        info.type = tarfile.REGTYPE
        info.size = len(entry.data) if entry.data is not None else _size(entry)
    return info


def _size(entry: Entry) -> int:
    if entry.source is None:
        return 0
    return entry.source.stat().st_size


def write_tar(entries: list[Entry], epoch: int, sink: IO[bytes]) -> None:
    """Write ``entries`` as a deterministic PAX tar stream to ``sink``."""
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT, encoding="utf-8") as tar:
        for entry in entries:
            info = _tarinfo(entry, epoch)
            if entry.kind != "file":
                tar.addfile(info)
            elif entry.data is not None:
                tar.addfile(info, io.BytesIO(entry.data))
            elif entry.source is not None:
                with entry.source.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info, io.BytesIO(b""))


def write_layer(contents: LayerContents, epoch: int, folder: Path) -> Layer:
    """Write ``contents`` as a gzip'd tar blob in ``folder``, named by its digest."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".layer-{os.getpid()}-{id(contents)}.tmp"
    with tmp.open("wb") as raw:
        compressed = _Hashing(raw)
        with gzip.GzipFile(
            filename="", mode="wb", compresslevel=GZIP_LEVEL, fileobj=compressed, mtime=0
        ) as gz:
            uncompressed = _Hashing(gz)  # type: ignore[arg-type]
            write_tar(contents.entries(), epoch, uncompressed)  # type: ignore[arg-type]
    digest = "sha256:" + compressed.hash.hexdigest()
    path = folder / digest.split(":", 1)[1]
    tmp.replace(path)
    return Layer(digest, "sha256:" + uncompressed.hash.hexdigest(), compressed.size, path)


@dataclass(frozen=True)
class Member:
    """What the diff report compares about one tar member."""

    kind: str
    mode: int
    uid: int
    gid: int
    mtime: int
    size: int
    link: str
    sha256: str

    def differences(self, other: Member) -> list[str]:
        """Names of the attributes that differ from ``other`` ('content' for the bytes)."""
        names = []
        for attr in ("kind", "mode", "uid", "gid", "mtime", "size", "link", "sha256"):
            if getattr(self, attr) != getattr(other, attr):
                names.append("content" if attr == "sha256" else attr)
        if "content" in names and "size" in names:
            names.remove("size")
        return names


def open_layer(path: Path, media_type: str) -> tarfile.TarFile:
    """Open a layer blob as a streaming tar (gzip or uncompressed)."""
    if media_type.endswith("+zstd") or media_type.endswith(".zstd"):
        raise ProjectError(
            f"layer {path.name} is zstd-compressed, which taskbelt cannot read",
            "use a base image with gzip layers, or set `python` in [tool.taskbelt.container]",
        )
    mode = "r|gz" if "gzip" in media_type or _is_gzip(path) else "r|"
    return tarfile.open(path, mode=mode)  # type: ignore[call-overload, no-any-return]


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def members(path: Path, media_type: str) -> Iterator[tuple[str, Member]]:
    """Each member of a layer blob with its attributes and content hash."""
    with open_layer(path, media_type) as tar:
        for info in tar:
            digest = ""
            if info.isfile():
                handle = tar.extractfile(info)
                if handle is not None:
                    sha = hashlib.sha256()
                    while chunk := handle.read(_CHUNK):
                        sha.update(chunk)
                    digest = sha.hexdigest()
            kind = "dir" if info.isdir() else "symlink" if info.issym() else "file"
            if info.islnk():
                kind = "hardlink"
            name = info.name.rstrip("/")
            yield name, Member(
                kind,
                info.mode,
                info.uid,
                info.gid,
                int(info.mtime),
                info.size,
                info.linkname,
                digest,
            )
