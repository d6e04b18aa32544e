"""The image's SBOM read from its layers, its provenance, and verify's comparison of both.

Layers written with taskbelt's own layer writer on the fly; no tool runs.
"""

from __future__ import annotations

from pathlib import Path

from conftest import validate_cyclonedx

from taskbelt.container import image_contents, image_sbom, layers, oci, provenance, referrers
from taskbelt.container.verify import compare_referrers

STATUS = (
    b"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9+deb12u4\n"
    b"Description: GNU C Library\n shared libraries\n\n"
    b"Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n\n"
    b"Package: libpython3.11-minimal\nStatus: install ok installed\nArchitecture: amd64\n"
    b"Source: python3.11 (3.11.2-6)\nVersion: 1:3.11.2-6+deb12u2\n"
)
METADATA = b"Metadata-Version: 2.4\nName: Six\nVersion: 1.17.0\nLicense-Expression: mit\n\nbody\n"
OLD_METADATA = (
    b"Metadata-Version: 2.1\nName: attrs\nVersion: 23.1.0\nLicense: MIT License\n"
    b"Classifier: License :: OSI Approved :: MIT License\n"
)
SITE = "opt/venv/lib/python3.11/site-packages"


def layer(folder: Path, files: dict[str, bytes]) -> tuple[Path, str]:
    contents = layers.LayerContents()
    for name, data in files.items():
        contents.add_file(name, data=data)
    written = layers.write_layer(contents, 0, folder)
    return folder / written.digest.split(":")[1], oci.LAYER_GZIP


def test_packages_are_read_from_the_layers_as_they_stack(tmp_path: Path) -> None:
    blobs = [
        layer(
            tmp_path,
            {
                "var/lib/dpkg/status": STATUS,
                "usr/lib/os-release": b'ID=debian\nVERSION_ID="12"\n',
                f"{SITE}/attrs-23.1.0.dist-info/METADATA": OLD_METADATA,
                "usr/lib/python3/dist-packages/apt-2.6.dist-info/METADATA": METADATA,
            },
        ),
        layer(
            tmp_path,
            {
                f"{SITE}/six-1.17.0.dist-info/METADATA": METADATA,
                f"{SITE}/.wh.attrs-23.1.0.dist-info": b"",
            },
        ),
    ]
    found = image_contents.read(blobs)
    assert [(p.name, p.version, p.source) for p in found.debian] == [
        ("libc6", "2.36-9+deb12u4", "libc6"),
        ("libpython3.11-minimal", "1:3.11.2-6+deb12u2", "python3.11"),
    ]
    assert [(p.name, p.version, p.expression) for p in found.python] == [("Six", "1.17.0", "mit")]
    assert found.distro == ("debian", "12")


def test_the_image_sbom_is_valid_and_names_each_package(tmp_path: Path) -> None:
    contents = image_contents.read(
        [
            layer(
                tmp_path,
                {
                    "var/lib/dpkg/status": STATUS,
                    "etc/os-release": b"ID=debian\nVERSION_ID=12\n",
                    f"{SITE}/attrs-23.1.0.dist-info/METADATA": OLD_METADATA,
                    f"{SITE}/six-1.17.0.dist-info/METADATA": METADATA,
                },
            )
        ]
    )
    lock = {"externalReferences": [{"type": "distribution", "url": "https://x/six.whl",
                                    "hashes": [{"alg": "SHA-256", "content": "ab" * 32}]}]}  # fmt: skip
    image = {"name": "six", "digest": "sha256:" + "cd" * 32, "platform": "linux/amd64"}
    one = image_sbom.document(
        contents, image=image, project="six", locked={("six", "1.17.0"): lock}, epoch=0
    )
    validate_cyclonedx(one)
    by_purl = {c.get("purl"): c for c in one["components"]}
    six = by_purl["pkg:pypi/six@1.17.0"]
    assert (six["type"], six["licenses"]) == ("application", [{"license": {"id": "MIT"}}])
    assert six["externalReferences"] == lock["externalReferences"]
    attrs = by_purl["pkg:pypi/attrs@23.1.0"]
    assert attrs["licenses"] == [  # words that are no SPDX id: kept as they are, all of them
        {"license": {"name": "MIT License"}},
        {"license": {"name": "License :: OSI Approved :: MIT License"}},
    ]
    deb = "pkg:deb/debian/libpython3.11-minimal@1%3A3.11.2-6%2Bdeb12u2"
    assert f"{deb}?arch=amd64&distro=debian-12&upstream=python3.11" in by_purl
    assert one == image_sbom.document(
        contents, image=image, project="six", locked={("six", "1.17.0"): lock}, epoch=0
    )


def test_provenance_names_the_image_the_commit_the_lock_and_the_base() -> None:
    image = {"name": "app", "digest": "sha256:" + "ab" * 32}
    found = provenance.statement(
        image=image,
        parameters={"platform": "linux/amd64"},
        revision="c" * 40,
        lock_digest="sha256:" + "11" * 32,
        base={"ref": "debian@sha256:" + "22" * 32, "digest": "sha256:" + "22" * 32},
        epoch=7,
    )
    assert found["_type"] == "https://in-toto.io/Statement/v1"
    assert found["subject"] == [{"name": "app", "digest": {"sha256": "ab" * 32}}]
    build = found["predicate"]["buildDefinition"]
    assert build["resolvedDependencies"] == [
        {"uri": "git+HEAD", "digest": {"gitCommit": "c" * 40}},
        {"uri": "uv.lock", "digest": {"sha256": "11" * 32}},
        {"uri": "debian@sha256:" + "22" * 32, "digest": {"sha256": "22" * 32}},
    ]
    assert build["internalParameters"] == {"SOURCE_DATE_EPOCH": 7}


def layout_with_sbom(folder: Path, sbom: dict[str, object]) -> Path:
    with oci.LayoutWriter(folder) as writer:
        digest, size = writer.add_json({"schemaVersion": 2, "mediaType": oci.MANIFEST})
        image = oci.descriptor(oci.MANIFEST, digest, size)
        created = oci.rfc3339(0)
        artifact = referrers.attach(writer, image, referrers.SBOM, sbom, created)
        writer.commit(image, "latest", [artifact, referrers.index_for(writer, image, [artifact])])
    return folder


def test_verify_names_an_sbom_that_differs_between_two_builds(tmp_path: Path) -> None:
    one = layout_with_sbom(tmp_path / "one", {"components": []})
    same = layout_with_sbom(tmp_path / "same", {"components": []})
    other = layout_with_sbom(tmp_path / "other", {"components": [{"name": "x"}]})
    assert compare_referrers(one, same) == []
    (line,) = compare_referrers(one, other)
    assert line.startswith("the SBOM of image sha256:")
    assert "differs between the builds" in line
    assert oci.Layout.open(one).top()["mediaType"] == oci.MANIFEST, "referrers are not the image"
