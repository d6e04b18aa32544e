"""Serve an advisory index as the OSV query API, on loopback only.

pip-audit's OSV client (``pip_audit/_service/osv.py``) POSTs
``{"package": {"name", "ecosystem": "PyPI"}, "version"}`` to ``--osv-url``
and trusts the answer, ``{"vulns": [...]}`` or ``{}``: deciding which
advisories affect a version is the server's job (:mod:`.advisories`). The
server answers from a thread on ``127.0.0.1`` with an ephemeral port, for as
long as the audit runs, and nothing else: any other path is 404.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from taskbelt.checks.audit.advisories import ECOSYSTEM, AdvisoryIndex
from taskbelt.output.console import LOGGER

#: The path pip-audit posts to (the default is https://api.osv.dev/v1/query).
QUERY_PATH = "/v1/query"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, index: AdvisoryIndex) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.index = index


class _Handler(BaseHTTPRequestHandler):
    """Answers ``POST /v1/query`` like api.osv.dev; anything else is 404."""

    server: _Server

    def do_POST(self) -> None:
        """One OSV query: ``{"package": {"name", "ecosystem"}, "version"}``."""
        if self.path.split("?", 1)[0].rstrip("/") != QUERY_PATH:
            self._send(HTTPStatus.NOT_FOUND, {"message": "not found"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            query = json.loads(self.rfile.read(length) or b"null")
            package = query["package"]
            name, ecosystem = str(package["name"]), package.get("ecosystem", ECOSYSTEM)
            version = query.get("version")
        except (ValueError, KeyError, TypeError, AttributeError):
            self._send(HTTPStatus.BAD_REQUEST, {"message": "expected an OSV package query"})
            return
        wanted = None if version is None else str(version)
        found = self.server.index.query(name, wanted) if ecosystem == ECOSYSTEM else []
        self._send(HTTPStatus.OK, {"vulns": found} if found else {})

    def _send(self, status: HTTPStatus, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Route the access log to taskbelt's logger instead of stderr."""
        LOGGER.debug("osv-server: " + format, *args)


@contextmanager
def serve(index: AdvisoryIndex) -> Iterator[str]:
    """Answer OSV queries from ``index`` on 127.0.0.1 while the block runs.

    Yields:
        The query URL to give pip-audit as ``--osv-url``.
    """
    server = _Server(index)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="taskbelt-osv-server",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{QUERY_PATH}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
