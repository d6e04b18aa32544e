"""`taskbelt container` end to end: real base images, real builds, real tools.

No registry and no Docker daemon. The base images are Debian bookworm with
Python, made once per test session by mmdebstrap (``--variant=extract``, so
the arm64 one needs no emulation) and turned into OCI layouts by umoci. The
apps are throwaway projects with a console script and real wheel
dependencies locked by uv. Images are checked by running them (umoci unpack
+ chroot, as the image's non-root user), by skopeo and umoci, and against the
OCI image-spec JSON schemas vendored in tests/data/oci/.

Needs root and Debian's buildah, skopeo, umoci and mmdebstrap (.ci/run
installs them); nothing here is skipped when they are missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import tarfile
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import oci_registry
import pytest
from conftest import DATA, git, validate_cyclonedx, write_files
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from taskbelt.container.build import DIGEST_FILE
from taskbelt.frontends import cli

pytestmark = [pytest.mark.slow, pytest.mark.container]

SCHEMAS = DATA / "oci"
APT_SOURCES = next(
    p
    for p in (Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list"))
    if p.is_file()
)


# -- session fixtures: base images ------------------------------------------


@dataclass(frozen=True)
class Bases:
    """OCI layouts of Debian bookworm with Python 3.11, and their pinned references."""

    amd64: str
    arm64: str
    both: str
    folder: Path


def _run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    assert done.returncode == 0, f"{argv} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


#: The extract variant leaves dpkg's database empty; this hook records each extracted
#: package's own control fields in it as installed, so that the base reads like a
#: Debian image (whose packages the image's SBOM lists) without running dpkg.
_DPKG_STATUS_HOOK = (
    'for deb in "$1"/var/cache/apt/archives/*.deb; do dpkg-deb -f "$deb";'
    ' echo "Status: install ok installed"; echo; done > "$1"/var/lib/dpkg/status'
)


def _mmdebstrap(arch: str, packages: str, out: Path) -> Path:
    # The host's own Debian sources file: the same mirror apt uses here.
    argv = [
        "mmdebstrap", "--quiet", "--mode=root", "--variant=extract", f"--architectures={arch}",
        f"--include={packages},base-files", f"--extract-hook={_DPKG_STATUS_HOOK}",
        "--dpkgopt=path-exclude=/usr/share/doc/*",
        "--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/locale/*",
        "bookworm", str(out), str(APT_SOURCES),
    ]  # fmt: skip
    _run(argv, timeout=600)
    return out


def _to_layout(rootfs_tar: Path, layout: Path, arch: str) -> str:
    image = f"{layout}:bookworm"
    _run(["umoci", "init", "--layout", str(layout)])
    _run(["umoci", "new", "--image", image])
    _run(["umoci", "raw", "add-layer", "--image", image, str(rootfs_tar)])
    _run(["umoci", "config", "--image", image, f"--architecture={arch}", "--os=linux",
          "--config.cmd=/usr/bin/python3"])  # fmt: skip
    _run(["umoci", "gc", "--layout", str(layout)])
    index = json.loads((layout / "index.json").read_text())
    return str(index["manifests"][0]["digest"])


def _combined(folder: Path, parts: dict[str, tuple[Path, str]]) -> str:
    """One layout holding both platforms under an image index (a multi-arch base)."""
    blobs = folder / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    manifests = []
    for arch, (layout, digest) in parts.items():
        for blob in (layout / "blobs" / "sha256").iterdir():
            shutil.copyfile(blob, blobs / blob.name)
        size = (blobs / digest.split(":")[1]).stat().st_size
        manifests.append({
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest,
            "size": size, "platform": {"architecture": arch, "os": "linux"},
        })  # fmt: skip
    index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": manifests}).encode()  # fmt: skip
    digest = "sha256:" + hashlib.sha256(index).hexdigest()
    (blobs / digest.split(":")[1]).write_bytes(index)
    (folder / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (folder / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest,
        "size": len(index)}]}))  # fmt: skip
    return digest


@pytest.fixture(scope="session")
def bases(tmp_path_factory: pytest.TempPathFactory) -> Bases:
    """Build both bases once per session, side by side (mmdebstrap must work: no skip)."""
    folder = tmp_path_factory.mktemp("bases")
    with ThreadPoolExecutor(2) as pool:
        amd = pool.submit(_mmdebstrap, "amd64", "python3", folder / "amd64.tar")
        arm = pool.submit(_mmdebstrap, "arm64", "python3.11-minimal", folder / "arm64.tar")
        amd_tar, arm_tar = amd.result(), arm.result()
    amd_digest = _to_layout(amd_tar, folder / "amd64", "amd64")
    arm_digest = _to_layout(arm_tar, folder / "arm64", "arm64")
    both = _combined(
        folder / "both",
        {"amd64": (folder / "amd64", amd_digest), "arm64": (folder / "arm64", arm_digest)},
    )
    return Bases(
        amd64=f"oci:{folder / 'amd64'}@{amd_digest}",
        arm64=f"oci:{folder / 'arm64'}@{arm_digest}",
        both=f"oci:{folder / 'both'}@{both}",
        folder=folder,
    )


# -- throwaway apps ---------------------------------------------------------

APP_FILES = {
    "src/hello_app/__init__.py": '"""Hello app."""\n',
    "src/hello_app/cli.py": """
        import os
        import sys

        import markupsafe
        import six


        def main() -> int:
            print(f"hello {markupsafe.escape('<world>')} six={six.__version__} "
                  f"uid={os.getuid()} gid={os.getgid()} prefix={sys.prefix}")
            return 0
        """,
    "conf/app.toml": "greeting = 'hi'\n",
}


def _pyproject(
    base: str,
    deps: str = '"markupsafe==3.0.2", "six==1.17.0"',
    extra: str = "",
    container: str = "",
) -> str:
    return f"""
        [project]
        name = "hello-app"
        version = "1.2.3"
        requires-python = ">=3.11"
        dependencies = [{deps}]

        [project.scripts]
        hello = "hello_app.cli:main"

        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"
        {extra}
        [tool.taskbelt.container]
        {container}
        base = "{base}"
        files = [{{ source = "conf/app.toml", target = "/etc/hello/app.toml" }}]
        labels = {{ "org.example.team" = "tools" }}
        """


def make_app(
    root: Path, base: str, *, files: dict[str, str] | None = None, lock: bool = True, **kw: str
) -> Path:
    """A committed throwaway project (locked with uv unless ``lock`` is false)."""
    root.mkdir(parents=True)
    write_files(root, {"pyproject.toml": _pyproject(base, **kw), **APP_FILES, **(files or {})})
    if lock:
        _run(["uv", "lock", "--quiet"], cwd=root, timeout=300)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


@pytest.fixture(scope="module")
def app(bases: Bases, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_app(tmp_path_factory.mktemp("app") / "hello", bases.amd64)


Main = Callable[..., tuple[int, str, str]]


@pytest.fixture
def main(capsys: pytest.CaptureFixture[str]) -> Main:
    """Run `taskbelt container ARGS` in-process: (exit status, stdout, stderr)."""

    def call(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["container", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


# -- helpers: look into an image ---------------------------------------------


def layout_json(layout: Path, digest: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (layout / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()
    )
    return data


def manifests(layout: Path) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    top = json.loads((layout / "index.json").read_text())["manifests"][0]
    doc = layout_json(layout, top["digest"])
    if "manifests" in doc:
        for desc in doc["manifests"]:
            yield desc, layout_json(layout, desc["digest"])
    else:
        yield top, doc


def run_image(layout: Path, tmp_path: Path) -> tuple[str, dict[str, Any]]:
    """umoci unpack, then run the image's process in a chroot as its user."""
    bundle = tmp_path / "bundle"
    _run(["umoci", "unpack", "--image", f"{layout}:latest", str(bundle)], timeout=300)
    spec = json.loads((bundle / "config.json").read_text())
    process = spec["process"]
    user = process["user"]
    env = dict(item.split("=", 1) for item in process["env"])
    done = _run(
        [
            "chroot",
            f"--userspec={user['uid']}:{user['gid']}",
            str(bundle / "rootfs"),
            *process["args"],
        ],
        env=env,
        timeout=60,
    )
    return done.stdout, process


# -- the tests ---------------------------------------------------------------


def test_build_runs_the_app_as_a_non_root_user(app: Path, main: Main, tmp_path: Path) -> None:
    code, out, err = main("--root", str(app), "--archive")
    assert code == 0, err
    digest = last_line(out)
    assert digest.startswith("sha256:")
    assert len(digest) == 71
    assert (app / "build/container" / DIGEST_FILE).read_text().strip() == digest
    layout = app / "build/container/oci"
    stdout, process = run_image(layout, tmp_path)
    assert "hello &lt;world&gt; six=1.17.0 uid=65532 gid=65532 prefix=/opt/venv" in stdout
    assert process["args"] == ["/opt/venv/bin/hello"]
    assert process["user"]["uid"] == 65532
    assert process["cwd"] == "/app"
    rootfs = tmp_path / "bundle/rootfs"
    assert (rootfs / "etc/hello/app.toml").read_text() == "greeting = 'hi'\n"
    assert not list(rootfs.glob("opt/venv/**/*.pyc"))
    assert (app / "build/container/image.oci.tar").is_file()


def test_image_times_derive_from_the_commit(app: Path, main: Main) -> None:
    code, out, _ = main("--root", str(app))
    assert code == 0
    epoch = int(git(app, "log", "-1", "--format=%ct").strip())
    layout = app / "build/container/oci"
    ((desc, manifest),) = manifests(layout)
    config = layout_json(layout, manifest["config"]["digest"])
    stamp = dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert config["created"] == stamp
    assert config["config"]["Labels"]["org.opencontainers.image.created"] == stamp
    assert config["config"]["Labels"]["org.example.team"] == "tools"
    assert [h["created"] for h in config["history"][-3:]] == [stamp] * 3
    for layer in manifest["layers"][-3:]:
        with tarfile.open(layout / "blobs/sha256" / layer["digest"].split(":")[1]) as tar:
            assert {m.mtime for m in tar.getmembers()} == {epoch}
    assert last_line(out) == desc["digest"]


def test_verify_gives_equal_digests_under_variation(app: Path, main: Main) -> None:
    code, out, err = main("--root", str(app), "--verify")
    assert code == 0, out + err
    assert "reproducible" in out
    one, two = (line.split(": ")[1] for line in out.splitlines()[:2])
    assert one == two == last_line(out)
    verified = json.loads((app / "build/container/oci/index.json").read_text())
    code, built, _ = main("--root", str(app))
    assert code == 0
    assert last_line(built) == one  # the checkout's own build is the same image
    # verify compared the two builds' SBOMs and provenance: the same as this build's too
    rebuilt = json.loads((app / "build/container/oci/index.json").read_text())
    referred = [m["digest"] for m in verified["manifests"] if m.get("artifactType")]
    assert len(referred) == 2
    assert referred == [m["digest"] for m in rebuilt["manifests"] if m.get("artifactType")]


def test_the_image_carries_its_sbom_and_provenance_as_referrers(
    app: Path, main: Main, tmp_path: Path
) -> None:
    """skopeo finds both by the referrers tag of the image and copies them out."""
    code, out, err = main("--root", str(app))
    assert code == 0, err
    digest = last_line(out)
    layout = app / "build/container/oci"
    tag = digest.replace(":", "-")
    found = json.loads(_run(["skopeo", "inspect", "--raw", f"oci:{layout}:{tag}"]).stdout)
    kinds = sorted(m["artifactType"] for m in found["manifests"])
    assert kinds == ["application/vnd.cyclonedx+json", "application/vnd.in-toto+json"]
    _run(["skopeo", "copy", "--all", "--quiet", f"oci:{layout}:{tag}", f"dir:{tmp_path / 'out'}"])
    docs = {}
    for desc in found["manifests"]:
        manifest = json.loads(
            (tmp_path / "out" / f"{desc['digest'][7:]}.manifest.json").read_text()
        )
        assert manifest["subject"]["digest"] == digest
        (layer,) = manifest["layers"]
        docs[desc["artifactType"]] = json.loads(
            (tmp_path / "out" / layer["digest"][7:]).read_text()
        )
    sbom = docs["application/vnd.cyclonedx+json"]
    validate_cyclonedx(sbom)
    assert sbom["metadata"]["component"]["version"] == digest
    named = {
        (c["name"], c["purl"].split(":")[1].split("/")[0]): c
        for c in sbom["components"]
        if "purl" in c
    }
    (system,) = (c for c in sbom["components"] if c["type"] == "operating-system")
    assert (system["name"], system["version"]) == ("debian", "12")
    lock = tomllib.loads((app / "uv.lock").read_text())
    six = next(p for p in lock["package"] if p["name"] == "six")
    assert six["version"] == named["six", "pypi"]["version"]
    hashes = {h["content"] for r in named["six", "pypi"]["externalReferences"] for h in r["hashes"]}
    assert six["sdist"]["hash"].removeprefix("sha256:") in hashes
    assert named["hello-app", "pypi"]["type"] == "application"
    assert named["markupsafe", "pypi"]["licenses"], "read from the package's metadata"
    libc = named["libc6", "deb"]
    assert libc["purl"].startswith("pkg:deb/debian/libc6@")
    assert "distro=debian-12" in libc["purl"]
    assert {"python3.11-minimal", "libc6"} <= {n for n, kind in named if kind == "deb"}
    statement = docs["application/vnd.in-toto+json"]
    assert statement["subject"][0]["digest"] == {"sha256": digest[7:]}
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    build = statement["predicate"]["buildDefinition"]
    lock_digest = hashlib.sha256((app / "uv.lock").read_bytes()).hexdigest()
    resolved = {d["uri"]: d["digest"] for d in build["resolvedDependencies"]}
    assert resolved["uv.lock"] == {"sha256": lock_digest}
    assert resolved["git+HEAD"] == {"gitCommit": git(app, "rev-parse", "HEAD").strip()}
    epoch = int(git(app, "log", "-1", "--format=%ct").strip())
    assert build["internalParameters"] == {"SOURCE_DATE_EPOCH": epoch}
    # the image is still what skopeo and umoci read by its tag
    assert _run(["skopeo", "inspect", "--raw", f"oci:{layout}:latest"]).stdout
    _run(["umoci", "stat", "--image", f"{layout}:latest"])


def test_cross_platform_arm64_build_is_reproducible(app: Path, bases: Bases, main: Main) -> None:
    args = ("--root", str(app), "--platform", "linux/arm64", "--base", bases.arm64)
    code, out, err = main(*args, "--verify")
    assert code == 0, out + err
    code, out, err = main(*args, "--output", str(app / "build/arm"))
    assert code == 0, err
    layout = app / "build/arm/oci"
    ((desc, manifest),) = manifests(layout)
    assert desc["platform"] == {"architecture": "arm64", "os": "linux"}
    deps_layer = layout / "blobs/sha256" / manifest["layers"][-3]["digest"].split(":")[1]
    with tarfile.open(deps_layer) as tar:
        names = tar.getnames()
    assert any(n.endswith("_speedups.cpython-311-aarch64-linux-gnu.so") for n in names)
    assert not any("x86_64" in n for n in names)


def test_multi_platform_image_is_an_index(app: Path, bases: Bases, main: Main) -> None:
    code, out, err = main(
        "--root", str(app), "--base", bases.both, "--platform", "linux/amd64",
        "--platform", "linux/arm64", "--output", str(app / "build/multi"),
    )  # fmt: skip
    assert code == 0, err
    layout = app / "build/multi/oci"
    top = json.loads((layout / "index.json").read_text())["manifests"][0]
    assert top["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert top["digest"] == last_line(out)
    platforms = [desc["platform"]["architecture"] for desc, _ in manifests(layout)]
    assert platforms == ["amd64", "arm64"]
    validate_layout(layout)


def test_negative_control_is_caught_with_the_file_name(
    bases: Bases, main: Main, tmp_path: Path
) -> None:
    hook = """
        import os, tempfile, uuid

        from hatchling.builders.hooks.plugin.interface import BuildHookInterface


        class CustomBuildHook(BuildHookInterface):
            def initialize(self, version, build_data):
                path = os.path.join(tempfile.mkdtemp(), "_stamp.py")
                with open(path, "w") as handle:
                    handle.write(f"STAMP = {uuid.uuid4().hex!r}\\n")
                build_data["force_include"][path] = "hello_app/_stamp.py"
        """
    root = make_app(
        tmp_path / "stamped",
        bases.amd64,
        files={"hatch_build.py": hook},
        extra="[tool.hatch.build.hooks.custom]\n",
    )
    code, out, _ = main("--root", str(root), "--verify")
    assert code == 1
    assert "not reproducible" in out
    assert "layer 3 of 4 (taskbelt: project hello-app 1.2.3) differs" in out
    assert "opt/venv/lib/python3.11/site-packages/hello_app/_stamp.py: content differ" in out
    assert not (root / "build/container/oci").exists()


def test_bytecode_opt_in_is_hash_based_and_reproducible(
    bases: Bases, main: Main, tmp_path: Path
) -> None:
    root = make_app(tmp_path / "pyc", bases.amd64, container="compile-bytecode = true")
    code, out, err = main("--root", str(root), "--verify")
    assert code == 0, out + err
    layout = root / "build/container/oci"
    ((_, manifest),) = manifests(layout)
    project_layer = layout / "blobs/sha256" / manifest["layers"][-2]["digest"].split(":")[1]
    with tarfile.open(project_layer) as tar:
        pyc = [m for m in tar.getmembers() if m.name.endswith(".pyc")]
        assert pyc
        for member in pyc:
            handle = tar.extractfile(member)
            assert handle is not None
            header = handle.read(16)
            assert int.from_bytes(header[4:8], "little") == 0b11  # hash-based, checked
    config = layout_json(layout, manifest["config"]["digest"])
    assert "PYTHONDONTWRITEBYTECODE=1" not in config["config"]["Env"]


# -- validity ---------------------------------------------------------------


def _validator(name: str) -> jsonschema.Draft4Validator:
    """A validator for one schema; $refs (relative to nested ids too) resolve to files here."""

    def retrieve(uri: str) -> Resource[Any]:
        contents = json.loads((SCHEMAS / uri.rsplit("/", 1)[-1]).read_text())
        return Resource.from_contents(contents, default_specification=DRAFT4)

    registry: Registry[Any] = Registry(retrieve=retrieve)  # type: ignore[call-arg]
    schema = json.loads((SCHEMAS / name).read_text())
    return jsonschema.Draft4Validator(schema, registry=registry)


def validate_layout(layout: Path) -> None:
    """index.json, oci-layout, every manifest, index and config against the OCI schemas."""
    _validator("image-layout-schema.json").validate(json.loads((layout / "oci-layout").read_text()))
    index = json.loads((layout / "index.json").read_text())
    _validator("image-index-schema.json").validate(index)
    top = index["manifests"][0]
    if top["mediaType"].endswith("index.v1+json"):
        _validator("image-index-schema.json").validate(layout_json(layout, top["digest"]))
    for entry in index["manifests"][1:]:  # the referrers: artifacts and referrers indexes
        kind = "manifest" if entry["mediaType"].endswith("manifest.v1+json") else "index"
        _validator(f"image-{kind}-schema.json").validate(layout_json(layout, entry["digest"]))
    for desc, manifest in manifests(layout):
        _validator("image-manifest-schema.json").validate(manifest)
        _validator("config-schema.json").validate(layout_json(layout, manifest["config"]["digest"]))
        blob = layout / "blobs/sha256" / desc["digest"].split(":")[1]
        assert blob.stat().st_size == desc["size"]
        assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
        assert manifest["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json"
        for layer in manifest["layers"]:
            assert layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
            path = layout / "blobs/sha256" / layer["digest"].split(":")[1]
            assert path.stat().st_size == layer["size"]


def test_layout_is_valid_for_skopeo_umoci_and_the_schemas(app: Path, main: Main) -> None:
    code, out, _ = main("--root", str(app), "--archive")
    assert code == 0
    digest = last_line(out)
    layout = app / "build/container/oci"
    validate_layout(layout)
    for ref in (f"oci:{layout}:latest", f"oci-archive:{layout.parent / 'image.oci.tar'}:latest"):
        info = json.loads(_run(["skopeo", "inspect", ref]).stdout)
        assert info["Digest"] == digest
        assert info["Architecture"] == "amd64"
        assert info["Labels"]["org.opencontainers.image.title"] == "hello-app"
    pushed = app / "build/pushed"
    code, out, _ = main("--root", str(app), "--push", f"oci:{pushed}:v1")
    assert code == 0
    assert json.loads(_run(["skopeo", "inspect", f"oci:{pushed}:v1"]).stdout)["Digest"] == digest
    listed = _run(["umoci", "ls", "--layout", str(layout)]).stdout.split()
    assert listed == ["latest", digest.replace(":", "-")], "the image and its referrers index"
    stat = _run(["umoci", "stat", "--image", f"{layout}:latest", "--json"]).stdout
    assert "taskbelt: configuration" in stat


def test_an_oci_archive_works_as_a_base(app: Path, main: Main, tmp_path: Path) -> None:
    code, out, _ = main("--root", str(app), "--archive", "--output", str(tmp_path / "first"))
    assert code == 0
    archive = tmp_path / "first/image.oci.tar"
    base = f"oci-archive:{archive}@{last_line(out)}"
    code, out, err = main("--root", str(app), "--base", base, "--output", str(tmp_path / "second"))
    assert code == 0, err
    ((_, manifest),) = manifests(tmp_path / "second/oci")
    assert len(manifest["layers"]) == 7  # the first image's 4, and 3 new ones
    assert manifest["annotations"]["org.opencontainers.image.base.digest"] == base.split("@")[1]


@pytest.fixture
def served_base(
    bases: Bases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, oci_registry.Registry]]:
    """The amd64 base in a loopback registry, written `host/debian/python:bookworm@sha256:...`.

    HOME moves to where the registry's registries.conf is (uv keeps its cache).
    """
    cache = _run(["uv", "cache", "dir"]).stdout.strip()
    with oci_registry.serve(bases.folder / "amd64", tmp_path / "home") as served:
        monkeypatch.setenv("UV_CACHE_DIR", cache)
        monkeypatch.setenv("HOME", str(served.home))
        yield f"{served.host}/debian/python:bookworm@{bases.amd64.split('@')[1]}", served


def test_a_registry_base_with_tag_and_digest_is_pulled_by_digest(
    app: Path,
    main: Main,
    tmp_path: Path,
    served_base: tuple[str, oci_registry.Registry],
) -> None:
    """Debian's skopeo refuses `name:tag@digest`: it is pulled by digest, the tag kept."""
    base, served = served_base
    out_dir, cache = tmp_path / "out", tmp_path / "cache"
    code, _, err = main(
        "--root", str(app), "--base", base, "--output", str(out_dir), "--cache-dir", str(cache), "-v"
    )  # fmt: skip
    assert code == 0, err
    digest = base.split("@")[1]
    name = base.split("@")[0]
    assert f"pulled as {served.host}/debian/python@{digest}" in err
    assert f"GET /v2/debian/python/manifests/{digest}" in served.requests
    assert not [r for r in served.requests if r.endswith("/manifests/bookworm")]
    ((_, manifest),) = manifests(out_dir / "oci")
    assert manifest["annotations"]["org.opencontainers.image.base.name"] == name
    assert manifest["annotations"]["org.opencontainers.image.base.digest"] == digest
    labels = layout_json(out_dir / "oci", manifest["config"]["digest"])["config"]["Labels"]
    assert labels["org.opencontainers.image.base.name"] == name
    assert labels["org.opencontainers.image.base.digest"] == digest
    assert labels["org.example.team"] == "tools"
    stdout, _ = run_image(out_dir / "oci", tmp_path)
    assert "hello &lt;world&gt;" in stdout


def test_image_spec_schemas_reject_a_broken_manifest() -> None:
    bad = {"schemaVersion": 2, "config": {"mediaType": "x", "size": 1}, "layers": []}
    with pytest.raises(jsonschema.ValidationError):
        _validator("image-manifest-schema.json").validate(bad)


# -- bad input: clear errors, exit 2, nothing half-written --------------------


def _no_image(root: Path) -> None:
    folder = root / "build/container"
    assert not (folder / "oci").exists()
    leftovers = [p.name for p in folder.iterdir()] if folder.exists() else []
    assert leftovers == []


def test_unpinned_base_is_a_config_error(bases: Bases, main: Main, tmp_path: Path) -> None:
    root = make_app(tmp_path / "a", "python:3.12-slim", lock=False)
    code, _, err = main("--root", str(root))
    assert code == 2
    assert "not pinned by digest" in err
    assert "skopeo inspect --format '{{.Digest}}' docker://python:3.12-slim" in err
    _no_image(root)


def test_missing_lock_says_uv_lock(bases: Bases, main: Main, tmp_path: Path) -> None:
    root = make_app(tmp_path / "a", bases.amd64, lock=False)
    code, _, err = main("--root", str(root))
    assert code == 2
    assert "no uv.lock" in err
    assert "run `uv lock`" in err
    _no_image(root)


def test_dependency_without_a_wheel_names_it(bases: Bases, main: Main, tmp_path: Path) -> None:
    root = make_app(tmp_path / "a", bases.amd64, deps='"six==1.17.0", "docopt==0.6.2"')
    code, _, err = main("--root", str(root))
    assert code == 2
    assert "no wheel for linux/amd64" in err
    assert "docopt==0.6.2" in err
    assert "six" not in err.split("for:", 1)[1].split("\n", 1)[0]
    assert 'backend = "containerfile"' in err
    _no_image(root)


def test_unknown_platform_is_a_config_error(app: Path, main: Main) -> None:
    shutil.rmtree(app / "build", ignore_errors=True)
    code, _, err = main("--root", str(app), "--platform", "linux/sparc64")
    assert code == 2
    assert "unknown platform 'linux/sparc64'" in err
    _no_image(app)


def test_base_that_is_not_an_oci_layout(app: Path, main: Main, tmp_path: Path) -> None:
    shutil.rmtree(app / "build", ignore_errors=True)
    (tmp_path / "notalayout").mkdir()
    (tmp_path / "notalayout" / "index.json").write_text("{}")
    code, _, err = main(
        "--root", str(app), "--base", f"oci:{tmp_path / 'notalayout'}@sha256:{'0' * 64}"
    )
    assert code == 2
    assert "is not an OCI image layout" in err
    assert "skopeo copy" in err
    _no_image(app)


def test_failed_rebuild_keeps_the_previous_image(app: Path, main: Main, bases: Bases) -> None:
    code, out, _ = main("--root", str(app))
    assert code == 0
    code, _, _ = main("--root", str(app), "--base", bases.arm64)  # arm64 base, amd64 target
    assert code == 2
    assert (app / "build/container/image.digest").read_text().strip() == last_line(out)
    assert sorted(p.name for p in (app / "build/container").iterdir()) == ["image.digest", "oci"]


# -- second backend: the repository's Containerfile, built by buildah ----------

CONTAINERFILE = """
    ARG BASE
    FROM ${BASE}
    COPY src/hello_app /opt/app/hello_app
    RUN ["/usr/bin/python3", "-c", "open('/opt/app/built.txt', 'w').write('built by RUN')"]
    ENV PYTHONPATH=/opt/app
    USER 65532:65532
    ENTRYPOINT ["/usr/bin/python3", "-c", "import os, pathlib; print(pathlib.Path('/opt/app/built.txt').read_text(), os.getuid())"]
    """


def test_containerfile_backend_with_buildah_verifies(
    bases: Bases, main: Main, tmp_path: Path
) -> None:
    root = make_app(
        tmp_path / "cf",
        bases.amd64,
        files={"Containerfile": CONTAINERFILE},
        container='backend = "containerfile"',
    )
    code, out, err = main("--root", str(root), "--verify")
    assert code == 0, out + err
    code, out, err = main("--root", str(root))
    assert code == 0, err
    layout = root / "build/container/oci"
    validate_layout(layout)
    stdout, process = run_image(layout, tmp_path)
    assert stdout.strip() == "built by RUN 65532"
    ((_, manifest),) = manifests(layout)
    config = layout_json(layout, manifest["config"]["digest"])
    assert "io.buildah.version" not in (config["config"].get("Labels") or {})
    assert process["user"]["uid"] == 65532


def test_containerfile_backend_pulls_a_tagged_registry_base_by_digest(
    bases: Bases, main: Main, tmp_path: Path, served_base: tuple[str, oci_registry.Registry]
) -> None:
    """buildah gets `BASE=name@digest`, pulls by digest, and the name as written is a label."""
    base, served = served_base
    root = make_app(
        tmp_path / "cf",
        base,
        files={"Containerfile": CONTAINERFILE},
        container='backend = "containerfile"',
    )
    code, _, err = main("--root", str(root), "-v")
    assert code == 0, err
    digest = base.split("@")[1]
    assert f"GET /v2/debian/python/manifests/{digest}" in served.requests
    assert not [r for r in served.requests if r.endswith("/manifests/bookworm")]
    layout = root / "build/container/oci"
    ((_, manifest),) = manifests(layout)
    labels = layout_json(layout, manifest["config"]["digest"])["config"]["Labels"]
    assert labels["org.opencontainers.image.base.name"] == base.split("@")[0]
    assert labels["org.opencontainers.image.base.digest"] == digest
    stdout, _ = run_image(layout, tmp_path)
    assert stdout.strip() == "built by RUN 65532"


def test_installed_tools_are_debians() -> None:
    """The Debian packages the tests need are present (.ci/run installs them)."""
    for tool in ("buildah", "skopeo", "umoci", "mmdebstrap"):
        assert shutil.which(tool), f"apt-get install {tool}"
