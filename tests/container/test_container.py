"""Container pieces that need no base image: references, settings, layers, JSON."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import oci_registry
import pytest
from conftest import TASKBELT_ROOT

from taskbelt.container import layers, oci
from taskbelt.errors import ConfigError
from taskbelt.output.console import LOGGER
from taskbelt.settings import container as container_settings
from taskbelt.settings import image_reference, toml_tables
from taskbelt.settings.container import ContainerSettings

pytestmark = pytest.mark.container

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("raw", "kind", "location", "tag"),
    [
        (f"python:3.12-slim@{DIGEST}", "registry", "python", "3.12-slim"),
        (f"docker://ghcr.io/org/app@{DIGEST}", "registry", "ghcr.io/org/app", ""),
        (f"localhost:5000/a/b:1.0@{DIGEST}", "registry", "localhost:5000/a/b", "1.0"),
        (f"oci:base/layout@{DIGEST}", "layout", "base/layout", ""),
        (f"oci:/abs/base.tar@{DIGEST}", "archive", "/abs/base.tar", ""),
        (f"oci-archive:base.tar@{DIGEST}", "archive", "base.tar", ""),
    ],
)
def test_pinned_references_parse(raw: str, kind: str, location: str, tag: str) -> None:
    ref = image_reference.parse(raw)
    assert (ref.kind, ref.location, ref.digest, ref.tag) == (kind, location, DIGEST, tag)


def test_a_tag_beside_the_digest_is_pulled_by_digest_and_kept_as_the_name() -> None:
    """Debian's skopeo refuses `name:tag@sha256:...`: the tools get `name@sha256:...`."""
    ref = image_reference.parse(f"localhost:5000/a/b:1.0@{DIGEST}")
    assert ref.skopeo == f"docker://localhost:5000/a/b@{DIGEST}"
    assert ref.pinned == f"localhost:5000/a/b@{DIGEST}"
    assert ref.named == "localhost:5000/a/b:1.0"
    untagged = image_reference.parse(f"docker://ghcr.io/org/app@{DIGEST}")
    assert (untagged.skopeo, untagged.named) == (
        f"docker://ghcr.io/org/app@{DIGEST}",
        "ghcr.io/org/app",
    )


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        ("python:3.12-slim", "skopeo inspect --format '{{.Digest}}' docker://python:3.12-slim"),
        ("oci:base/layout", 'base = "oci:base/layout@sha256:<that digest>"'),
    ],
)
def test_unpinned_reference_says_how_to_pin(raw: str, hint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        image_reference.parse(raw)
    assert "not pinned by digest" in caught.value.cause
    assert hint in caught.value.fix


@pytest.mark.parametrize("raw", ["python@sha256:abc", f"UPPER/Case@{DIGEST}", "oci:@" + DIGEST])
def test_malformed_references_are_config_errors(raw: str) -> None:
    with pytest.raises(ConfigError):
        image_reference.parse(raw)


def test_settings_defaults_and_kebab_keys() -> None:
    found = container_settings.load(
        {
            "base": f"oci:l@{DIGEST}",
            "compile-bytecode": True,
            "files": [{"source": "conf/app.toml", "target": "/etc/app.toml", "mode": "0640"}],
            "labels": {"org.example.team": "tools"},
        }
    )
    assert found.user == "65532:65532"
    assert (found.uid, found.gid) == (65532, 65532)
    assert found.backend == "layers"
    assert found.compile_bytecode
    assert found.files[0].target == "/etc/app.toml"
    assert ContainerSettings().platforms is None


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"base": "python:3.12"}, ["base", "not pinned", "skopeo inspect"]),
        ({"platforms": ["linux/sparc"]}, ["platforms", "unknown platform 'linux/sparc'"]),
        ({"user": "app"}, ["user", "numeric"]),
        ({"python": "3"}, ["python"]),
        ({"files": [{"source": "../x", "target": "/x"}]}, ["files[0].source"]),
        ({"files": [{"source": "x", "target": "rel"}]}, ["files[0].target", "absolute"]),
        ({"bsae": "x"}, ["unknown key 'bsae'", "did you mean 'base'"]),
    ],
)
def test_bad_settings_name_the_key(table: dict[str, object], words: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        container_settings.load(table)
    text = str(caught.value)
    for word in words:
        assert word in text
    assert caught.value.exit_code == 2


def test_platforms_from_the_environment_style_string() -> None:
    found = ContainerSettings(platforms="linux/amd64,linux/arm64")  # type: ignore[arg-type]
    assert found.platforms == ["linux/amd64", "linux/arm64"]


def _layer(tmp_path: Path, name: str, umask: int) -> layers.Layer:
    old = os.umask(umask)
    try:
        stage = tmp_path / name
        (stage / "pkg" / "sub").mkdir(parents=True)
        for rel in ("pkg/sub/z.py", "pkg/a.py", "pkg/__init__.py"):
            (stage / rel).write_text(f"# {rel}\n", encoding="utf-8")
        (stage / "pkg" / "run").write_text("#!/bin/sh\n", encoding="utf-8")
        (stage / "pkg" / "run").chmod(0o700)
        os.utime(stage / "pkg" / "a.py", (12345 if umask else 999_999, 12345))
        contents = layers.LayerContents()
        contents.add_tree(stage, "/opt/venv/lib")
        contents.add_symlink("/opt/venv/bin/python", "/usr/bin/python3.11")
        contents.add_dir("/app", uid=65532, gid=65532)
        return layers.write_layer(contents, 1_700_000_000, tmp_path / f"out-{name}")
    finally:
        os.umask(old)


def test_layers_are_deterministic_and_normalised(tmp_path: Path) -> None:
    one = _layer(tmp_path, "one", 0o022)
    two = _layer(tmp_path, "two/deeper", 0o077)
    assert (one.digest, one.diff_id, one.size) == (two.digest, two.diff_id, two.size)
    raw = one.path.read_bytes()
    assert raw[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, mtime 0
    assert oci.sha256_bytes(raw) == one.digest
    tar_bytes = gzip.decompress(raw)
    assert oci.sha256_bytes(tar_bytes) == one.diff_id
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names, key=lambda n: n.encode())
    assert names[:4] == ["app", "opt", "opt/venv", "opt/venv/bin"]
    by_name = {m.name: m for m in members}
    assert by_name["app"].uid == 65532
    assert by_name["opt/venv/lib/pkg/run"].mode == 0o755
    assert by_name["opt/venv/lib/pkg/a.py"].mode == 0o644
    assert by_name["opt/venv/lib/pkg/sub"].mode == 0o755
    assert {m.mtime for m in members} == {1_700_000_000}
    assert {(m.uname, m.gname) for m in members} == {("", "")}
    assert all(not m.pax_headers for m in members)
    assert b"mtime=" not in tar_bytes
    assert b"atime=" not in tar_bytes


def test_long_names_use_pax_path_records_without_times(tmp_path: Path) -> None:
    contents = layers.LayerContents()
    long = "/".join(["d" * 60] * 4) + "/file.py"
    contents.add_file(long, data=b"x")
    layer = layers.write_layer(contents, 5, tmp_path)
    tar_bytes = gzip.decompress(layer.path.read_bytes())
    assert b" path=" in tar_bytes
    assert b"mtime=" not in tar_bytes


def test_canonical_json_is_sorted_and_compact() -> None:
    assert oci.canonical_json({"b": 1, "a": {"d": [1, 2], "c": "é"}}) == (
        '{"a":{"c":"é","d":[1,2]},"b":1}'.encode()
    )
    assert oci.rfc3339(0) == "1970-01-01T00:00:00Z"


def test_a_folder_that_is_not_a_layout_is_a_project_error(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text("{}", encoding="utf-8")
    with pytest.raises(Exception, match="not an OCI image layout") as caught:
        oci.Layout.open(tmp_path, "base image")
    assert getattr(caught.value, "exit_code", None) == 2


def test_layout_writer_leaves_nothing_on_failure(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "oci"

    def fail() -> None:
        with oci.LayoutWriter(dest) as writer:
            writer.add_json({"x": 1})
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert not dest.exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_taskbelt_settings_can_hold_the_container_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """The integration the lead wires into config.py: a field plus the _NESTED entries."""
    from pydantic import Field  # noqa: PLC0415

    from taskbelt.settings import model as config  # noqa: PLC0415

    class Wired(config.Settings):
        container: ContainerSettings = Field(default_factory=ContainerSettings)

    for name, model in container_settings.NESTED.items():
        monkeypatch.setitem(config.NESTED, name, model)
    monkeypatch.setenv("TASKBELT_CONTAINER__PLATFORMS", "linux/amd64,linux/arm64")
    table = {
        "python": ["3.12"],
        "container": {
            "base": f"oci:l@{DIGEST}",
            "compile-bytecode": True,
            "files": [{"source": "a", "target": "/a"}],
        },
    }
    found = Wired(**toml_tables.to_fields(table, Wired, "tool.taskbelt", config.NESTED))
    assert found.container.platforms == ["linux/amd64", "linux/arm64"]
    assert found.container.compile_bytecode
    assert found.container.base == f"oci:l@{DIGEST}"
    assert found.container.files[0].target == "/a"
    monkeypatch.delenv("TASKBELT_CONTAINER__PLATFORMS")
    assert Wired().container == ContainerSettings()
    with pytest.raises(ConfigError, match="did you mean 'compile-bytecode'"):
        toml_tables.to_fields(
            {"container": {"compile-bytecod": True}}, Wired, "tool.taskbelt", config.NESTED
        )


def test_docs_table_lists_exactly_the_settings_fields() -> None:
    """docs/container.md's reference table (pasted into the README) matches the model."""
    import re  # noqa: PLC0415

    text = (TASKBELT_ROOT / "docs" / "container.md").read_text("utf-8")
    section = text.split("### `[tool.taskbelt.container]`", 1)[1].split("\n## ", 1)[0]
    keys = set(re.findall(r"^\| `([a-z-]+)` \|", section, re.MULTILINE))
    assert keys == {name.replace("_", "-") for name in ContainerSettings.model_fields}


# -- base image inspection, on synthetic layouts -------------------------------


def _synthetic_base(folder: Path, files: dict[str, bytes], arch: str = "amd64") -> str:
    """A one-layer OCI layout written with taskbelt's own writer; returns its base reference."""
    contents = layers.LayerContents()
    for name, data in files.items():
        contents.add_file(name, data=data, mode=0o755)
    with oci.LayoutWriter(folder) as writer:
        layer = layers.write_layer(contents, 0, writer.blobs)
        config = {
            "architecture": arch,
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
            "config": {"Cmd": ["sh"], "Env": ["PATH=/usr/bin"]},
        }
        config_digest, config_size = writer.add_json(config)
        manifest = {
            "schemaVersion": 2,
            "mediaType": oci.MANIFEST,
            "config": oci.descriptor(oci.CONFIG, config_digest, config_size),
            "layers": [oci.descriptor(oci.LAYER_GZIP, layer.digest, layer.size)],
        }
        digest, size = writer.add_json(manifest)
        writer.commit(oci.descriptor(oci.MANIFEST, digest, size), "base")
    return f"oci:{folder}@{digest}"


STATUS = b"Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u4\n\n"


@pytest.mark.parametrize(
    ("files", "python", "expected"),
    [
        (
            {"usr/bin/python3.11": b"", "var/lib/dpkg/status": STATUS},
            None,
            ("3.11", "/usr/bin/python3.11", "gnu", (2, 36), "x86_64-manylinux_2_36"),
        ),
        (
            {"usr/bin/python3.11": b"", "usr/local/bin/python3.12": b""},
            None,
            ("3.12", "/usr/local/bin/python3.12", "gnu", (2, 28), "x86_64-manylinux_2_28"),
        ),
        (
            {"usr/bin/python3.11": b"", "usr/local/bin/python3.12": b""},
            "3.11",
            ("3.11", "/usr/bin/python3.11", "gnu", (2, 28), "x86_64-manylinux_2_28"),
        ),
        (
            {"usr/local/bin/python3.13": b"", "lib/ld-musl-x86_64.so.1": b""},
            None,
            ("3.13", "/usr/local/bin/python3.13", "musl", None, "x86_64-unknown-linux-musl"),
        ),
    ],
)
def test_base_inspection_finds_python_and_libc(
    tmp_path: Path, files: dict[str, bytes], python: str | None, expected: tuple[object, ...]
) -> None:
    from taskbelt.container import base  # noqa: PLC0415

    ref = image_reference.parse(_synthetic_base(tmp_path / "base", files))
    image = base.resolve(ref, tmp_path, tmp_path / "cache")
    found = base.inspect(base.for_platform(image, "linux/amd64"), python)
    uv = base.uv_platform("x86_64", found)
    assert (found.python, found.interpreter, found.libc, found.glibc, uv) == expected
    assert base.wheel_platforms("x86_64", found)[0].endswith("_x86_64")


def test_base_without_python_or_platform_is_a_clear_error(tmp_path: Path) -> None:
    from taskbelt.container import base  # noqa: PLC0415
    from taskbelt.errors import ProjectError  # noqa: PLC0415

    ref = image_reference.parse(_synthetic_base(tmp_path / "base", {"etc/hostname": b"x"}))
    image = base.resolve(ref, tmp_path, tmp_path / "cache")
    with pytest.raises(ProjectError, match=r"has no python3\.X"):
        base.inspect(base.for_platform(image, "linux/amd64"), None)
    with pytest.raises(ConfigError, match=r"has no linux/arm64 image \(it has: linux/amd64\)"):
        base.for_platform(image, "linux/arm64")
    other = f"oci:{tmp_path / 'base'}@sha256:{'1' * 64}"
    with pytest.raises(ConfigError, match="has no manifest") as caught:
        base.resolve(image_reference.parse(other), tmp_path, tmp_path / "cache")
    assert ref.digest in caught.value.fix


def test_a_tagged_registry_base_is_pulled_by_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`host/team/base:1.0@sha256:...` through a real skopeo from a loopback registry."""
    from taskbelt.container import base  # noqa: PLC0415

    digest = _synthetic_base(tmp_path / "layout", {"etc/hostname": b"x"}).split("@")[1]
    caplog.set_level("INFO", logger="taskbelt")
    # An earlier in-process run may have installed taskbelt's own handler (propagation off).
    monkeypatch.setattr(LOGGER, "propagate", True)
    with oci_registry.serve(tmp_path / "layout", tmp_path / "home") as served:
        monkeypatch.setenv("HOME", str(served.home))
        raw = f"{served.host}/team/base:1.0@{digest}"
        image = base.resolve(image_reference.parse(raw), tmp_path, tmp_path / "cache")
    assert image.top["digest"] == digest
    assert f"GET /v2/team/base/manifests/{digest}" in served.requests
    assert not [r for r in served.requests if r.endswith("/manifests/1.0")]
    assert (
        f"base image {raw}: pulled as {served.host}/team/base@{digest} (the digest decides"
        in caplog.text
    )
    assert f"org.opencontainers.image.base.name={served.host}/team/base:1.0" in caplog.text


def test_a_registry_that_cannot_be_reached_is_a_tool_error(tmp_path: Path) -> None:
    from taskbelt.container import base  # noqa: PLC0415
    from taskbelt.errors import ToolError  # noqa: PLC0415

    ref = image_reference.parse(f"127.0.0.1:9/none/app@{DIGEST}")
    with pytest.raises(ToolError, match="skopeo could not copy the base image"):
        base.resolve(ref, tmp_path, tmp_path / "cache")
    assert (tmp_path / "cache" / "base").is_dir()
    assert list((tmp_path / "cache" / "base").iterdir()) == []


# -- dependencies: markers, wheels, the venv arrangement -----------------------


def _target(machine: str = "x86_64") -> object:
    from taskbelt.container import base, deps  # noqa: PLC0415

    runtime = base.Runtime("3.11", "/usr/bin/python3.11", "gnu", (2, 36))
    return deps.Target("linux/amd64" if machine == "x86_64" else "linux/arm64", machine, runtime)


def test_pins_follow_markers_and_refuse_local_paths(tmp_path: Path) -> None:
    from taskbelt.container import deps  # noqa: PLC0415
    from taskbelt.errors import ProjectError  # noqa: PLC0415

    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "colorama==0.4.6 ; sys_platform == 'win32' \\\n    --hash=sha256:aa\n"
        "markupsafe==3.0.2 \\\n    --hash=sha256:bb\n"
        "uvloop==0.21.0 ; platform_machine == 'aarch64'\n",
        encoding="utf-8",
    )
    target = _target()
    assert [p.name for p in deps.pins(requirements, target)] == ["markupsafe"]  # type: ignore[arg-type]
    assert [p.name for p in deps.pins(requirements, _target("aarch64"))] == [  # type: ignore[arg-type]
        "markupsafe",
        "uvloop",
    ]
    requirements.write_text("-e ./packages/lib\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="local or direct-URL dependency"):
        deps.pins(requirements, target)  # type: ignore[arg-type]


def test_wheel_check_names_every_package_without_a_fitting_wheel(tmp_path: Path) -> None:
    from taskbelt.container import deps  # noqa: PLC0415
    from taskbelt.errors import ProjectError  # noqa: PLC0415

    lock = tmp_path / "uv.lock"
    lock.write_text(
        """
[[package]]
name = "markupsafe"
version = "3.0.2"
wheels = [
  { url = "https://files.example/markupsafe-3.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" },
]

[[package]]
name = "docopt"
version = "0.6.2"
sdist = { url = "https://files.example/docopt-0.6.2.tar.gz" }

[[package]]
name = "six"
version = "1.17.0"
wheels = [{ url = "https://files.example/six-1.17.0-py2.py3-none-any.whl" }]
""",
        encoding="utf-8",
    )
    pins = [
        deps.Pin("markupsafe", "3.0.2", ""),
        deps.Pin("docopt", "0.6.2", ""),
        deps.Pin("six", "1.17.0", ""),
    ]
    deps.check_wheels(lock, [pins[0], pins[2]], _target())  # type: ignore[arg-type]
    with pytest.raises(ProjectError) as caught:
        deps.check_wheels(lock, pins, _target("aarch64"))  # type: ignore[arg-type]
    assert "markupsafe==3.0.2, docopt==0.6.2" in caught.value.cause
    assert "six" not in caught.value.cause
    assert 'backend = "containerfile"' in caught.value.fix


def test_arrange_rewrites_shebangs_and_records(tmp_path: Path) -> None:
    from taskbelt.container import deps  # noqa: PLC0415

    stage = tmp_path / "stage"
    (stage / "bin").mkdir(parents=True)
    (stage / "pkg-1.0.dist-info").mkdir()
    (stage / "pkg").mkdir()
    (stage / ".lock").write_text("")
    (stage / "bin" / "tool").write_text("#!/root/.pyenv/bin/python\nimport pkg\n")
    long = "#!/bin/sh\n'''exec' '/very/long/python' \"$0\" \"$@\"\n' '''\nimport pkg\n"
    (stage / "bin" / "long").write_text(long)
    (stage / "bin" / "data").write_text("not a script\n")
    (stage / "pkg-1.0.dist-info" / "direct_url.json").write_text('{"url": "file:///tmp/x"}')
    (stage / "pkg-1.0.dist-info" / "RECORD").write_text(
        "bin/tool,sha256=old,1\npkg-1.0.dist-info/direct_url.json,,\npkg/__init__.py,,\n"
    )
    scripts = deps.arrange(stage, tmp_path / "site", tmp_path / "bin")
    assert scripts == ["data", "long", "tool"]
    assert (tmp_path / "bin/tool").read_text() == "#!/opt/venv/bin/python\nimport pkg\n"
    assert (tmp_path / "bin/long").read_text() == "#!/opt/venv/bin/python\nimport pkg\n"
    assert (tmp_path / "bin/data").read_text() == "not a script\n"
    record = (tmp_path / "site/pkg-1.0.dist-info/RECORD").read_text()
    assert record.startswith("../../../bin/tool,sha256=")
    assert "direct_url" not in record
    assert not (tmp_path / "site/pkg-1.0.dist-info/direct_url.json").exists()
    assert not (tmp_path / "site/.lock").exists()


# -- the command line and the build's inputs ----------------------------------


def test_source_date_epoch_comes_from_the_environment_or_git(tmp_path: Path) -> None:
    from taskbelt.container import inputs  # noqa: PLC0415
    from taskbelt.errors import ProjectError  # noqa: PLC0415

    assert inputs.source_date_epoch(tmp_path, 7, {}) == 7
    assert inputs.source_date_epoch(tmp_path, None, {"SOURCE_DATE_EPOCH": "42"}) == 42
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH='soon'"):
        inputs.source_date_epoch(tmp_path, None, {"SOURCE_DATE_EPOCH": "soon"})
    with pytest.raises(ProjectError, match="no git commit"):
        inputs.source_date_epoch(tmp_path, None, dict(os.environ, GIT_CEILING_DIRECTORIES="/"))


def test_build_inputs_are_checked_first(tmp_path: Path) -> None:
    from taskbelt.container import build  # noqa: PLC0415
    from taskbelt.errors import ProjectError  # noqa: PLC0415

    with pytest.raises(ProjectError, match=r"no pyproject\.toml"):
        build.build(tmp_path, ContainerSettings())
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    with pytest.raises(ProjectError, match="run `uv lock`"):
        build.build(tmp_path, ContainerSettings())
    (tmp_path / "uv.lock").write_text("version = 1\n")
    with pytest.raises(ConfigError, match="has no base image"):
        build.build(tmp_path, ContainerSettings())
    assert not (tmp_path / "build").exists()


def test_cli_rejects_a_bad_umask_and_prints_errors_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from taskbelt.frontends import cli  # noqa: PLC0415

    with pytest.raises(SystemExit):
        cli.main(["container", "--umask", "9z"])
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n[tool.taskbelt.container]\nbase = 'python:3'\n"
    )
    assert cli.main(["container", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "taskbelt: error: [tool.taskbelt.container] base:" in err
    assert "taskbelt: fix: pin it" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"files": [{"source": "a", "target": "/a", "mode": "rw"}]}, "not a file mode"),
        ({"entrypoint": []}, "give the command as a list"),
        ({"platforms": []}, "at least one platform"),
        ({"labels": {"bad key!": "x"}}, "label 'bad key!'"),
    ],
)
def test_more_bad_settings(table: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        container_settings.load(table)


def test_entrypoint_string_becomes_exec_form() -> None:
    found = container_settings.load({"entrypoint": "/opt/venv/bin/app", "python": "3.12"})
    assert found.entrypoint == ["/opt/venv/bin/app"]
    assert found.python == "3.12"


def test_layout_reader_rejects_broken_layouts(tmp_path: Path) -> None:
    from taskbelt.errors import ProjectError  # noqa: PLC0415

    with pytest.raises(ProjectError, match="is not a folder"):
        oci.Layout.open(tmp_path / "missing")
    (tmp_path / "oci-layout").write_text('{"imageLayoutVersion": "2.0.0"}')
    (tmp_path / "index.json").write_text('{"manifests": []}')
    with pytest.raises(ProjectError, match="unsupported layout version"):
        oci.Layout.open(tmp_path)
    (tmp_path / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    layout = oci.Layout.open(tmp_path)
    with pytest.raises(ProjectError, match="has no blob"):
        layout.blob(DIGEST)
    with pytest.raises(ProjectError, match="no image tagged 'x'"):
        layout.find_tag("x")
    with pytest.raises(ProjectError, match="lists 0 images"):
        layout.top()
    blobs = tmp_path / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    (blobs / DIGEST.split(":")[1]).write_text("[]")
    with pytest.raises(ProjectError, match="does not match its digest"):
        layout.read_json(DIGEST)
    with pytest.raises(ProjectError, match="not a JSON object"):
        layout.read_json(DIGEST, verify=False)
    raw = oci.canonical_json({"schemaVersion": 2, "manifests": []})
    digest = oci.sha256_bytes(raw)
    (blobs / digest.split(":")[1]).write_bytes(raw)
    assert layout.find(digest)["mediaType"] == oci.INDEX
    (tmp_path / "broken.tar").write_text("not a tar")
    with pytest.raises(ProjectError, match="not a readable OCI archive"):
        oci.unpack_archive(tmp_path / "broken.tar", tmp_path / "x")
