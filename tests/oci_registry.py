"""A read-only OCI registry on loopback, serving one OCI image layout.

No registry exists on the test machines (no daemon, no network), so this is
the one thing faked: the pull side of the OCI distribution API (``/v2/``,
manifests by tag or digest, blobs), enough for skopeo and buildah, which are
real. It records every request so a test can say what a tool asked for.
Tools reach it over plain HTTP through a registries.conf that marks it
insecure, in ``$HOME/.config/containers/`` as a user would write it (Debian's
skopeo 1.9 does not read ``CONTAINERS_REGISTRIES_CONF``): a test points
``HOME`` at ``Registry.home``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@dataclass
class Registry:
    """A running registry: its ``host:port``, the layout it serves, what it was asked."""

    host: str
    layout: Path
    home: Path
    requests: list[str] = field(default_factory=list)


def _tags(layout: Path) -> dict[str, str]:
    index = json.loads((layout / "index.json").read_text())
    return {
        str(desc.get("annotations", {}).get("org.opencontainers.image.ref.name", "")): str(
            desc["digest"]
        )
        for desc in index["manifests"]
    }


def _handler(registry: Registry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_HEAD(self) -> None:
            self._answer(body=False)

        def do_GET(self) -> None:
            self._answer(body=True)

        def _answer(self, *, body: bool) -> None:
            registry.requests.append(f"{self.command} {self.path}")
            found = self._find()
            if found is None:
                data, media = b'{"errors":[{"code":"NOT_FOUND"}]}', "application/json"
                self.send_response(404)
            else:
                data, media, digest = found
                self.send_response(200)
                if digest:
                    self.send_header("Docker-Content-Digest", digest)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Docker-Distribution-API-Version", "registry/2.0")
            self.end_headers()
            if body:
                self.wfile.write(data)

        def _find(self) -> tuple[bytes, str, str] | None:
            if self.path == "/v2/":
                return b"{}", "application/json", ""
            parts = self.path.split("/")
            if len(parts) < 5 or parts[-2] not in ("manifests", "blobs"):
                return None
            kind, ref = parts[-2], parts[-1]
            if kind == "manifests" and not ref.startswith("sha256:"):
                ref = _tags(registry.layout).get(ref, "")
            blob = registry.layout / "blobs" / "sha256" / ref.removeprefix("sha256:")
            if not ref.startswith("sha256:") or not blob.is_file():
                return None
            data = blob.read_bytes()
            if kind == "blobs":
                return data, "application/octet-stream", ref
            doc = json.loads(data)
            return (
                data,
                str(doc.get("mediaType") or (INDEX if "manifests" in doc else MANIFEST)),
                ref,
            )

    return Handler


@contextmanager
def serve(layout: Path, home: Path) -> Iterator[Registry]:
    """Serve ``layout`` on 127.0.0.1 until the block ends; ``home`` gets the registries.conf."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    host = f"127.0.0.1:{server.server_address[1]}"
    conf = home / ".config" / "containers" / "registries.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(f'[[registry]]\nlocation = "{host}"\ninsecure = true\n', encoding="utf-8")
    registry = Registry(host, layout, home)
    server.RequestHandlerClass = _handler(registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield registry
    finally:
        server.shutdown()
        server.server_close()
