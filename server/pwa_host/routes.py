"""Serves the technician app (``pwa/``) under ``/app/`` with no build step.

* ``/app/`` and every file of ``pwa/`` except its ``tests/`` and ``tools/`` folders;
* ``/app/vendor/<file>``: the few ES-module files the app imports from ``node_modules``
  (pinned in package.json), under short names the import map in ``index.html`` uses;
* ``/app/sw.js`` with the build id and the shell list written in: the build id is a digest
  of every file the worker precaches, so any change to the app shell is a new service
  worker, which is what makes phones fetch the new shell (and offer "update available").

Every response is ``Cache-Control: no-cache`` with a strong ETag: the service worker keeps
the app offline, and the HTTP cache only saves bytes on revalidation (a 304). Text is sent
gzipped when the client accepts it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, redirect, request

bp = Blueprint("pwa", __name__, url_prefix="/app")

ROOT = Path(__file__).resolve().parents[2]
# Short name → path inside node_modules. Only these are served.
VENDOR = {
    "preact.mjs": "preact/dist/preact.mjs",
    "hooks.mjs": "preact/hooks/dist/hooks.mjs",
    "htm.mjs": "htm/dist/htm.mjs",
    "dexie.mjs": "dexie/dist/modern/dexie.min.mjs",
    "signature_pad.mjs": "signature_pad/dist/signature_pad.min.js",
    "qrcode.mjs": "qrcode-generator/dist/qrcode.mjs",
}
PRIVATE_DIRS = {"tests", "tools"}
# Not part of the app: package.json only lets node load pwa/ as ES modules.
PRIVATE_FILES = {"package.json", "README.md"}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".svg", ".txt"}
# sw.js holds these two lines; the server writes the build id and the shell list into them.
BUILD_MARKER = 'const BUILD = "dev";'
SHELL_MARKER = "const SHELL = [];"


def pwa_dir() -> Path:
    return Path(current_app.config.get("PWA_DIR") or ROOT / "pwa")


def vendor_dir() -> Path:
    return Path(current_app.config.get("PWA_VENDOR_DIR") or ROOT / "node_modules")


@dataclass(frozen=True)
class _Body:
    data: bytes
    gz: bytes | None
    etag: str


_bodies: dict[tuple, _Body] = {}
_lock = threading.Lock()


def _body(path: Path, transform=None, variant: str = "") -> _Body:
    """The file's bytes (and gzipped bytes), cached until the file (or ``variant``) changes."""
    try:
        stat = path.stat()
    except OSError:
        abort(404)
    key = (str(path), stat.st_mtime_ns, stat.st_size, variant)
    with _lock:
        cached = _bodies.get(key)
    if cached is not None:
        return cached
    data = path.read_bytes()
    if transform is not None:
        data = transform(data)
    gz = gzip.compress(data, 9, mtime=0) if path.suffix in COMPRESSIBLE else None
    body = _Body(data, gz, hashlib.sha256(data).hexdigest()[:32])
    with _lock:
        _bodies[key] = body
    return body


def _private(relative: Path) -> bool:
    return (relative.parts[0] in PRIVATE_DIRS or relative.as_posix() in PRIVATE_FILES
            or any(part.startswith(".") for part in relative.parts))


def shell_files() -> list[tuple[str, Path]]:
    """(URL, file) of everything served under /app/, the app shell the worker precaches."""
    base = pwa_dir()
    files = []
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base)
        if not path.is_file() or _private(relative):
            continue
        files.append((f"/app/{relative.as_posix()}", path))
    for name, inside in sorted(VENDOR.items()):
        files.append((f"/app/vendor/{name}", vendor_dir() / inside))
    return files


def build_id() -> str:
    """A digest of every shell file's name and bytes: changes whenever anything shipped does."""
    digest = hashlib.sha256()
    for url, path in shell_files():
        digest.update(url.encode() + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()[:16]


def _send(path: Path, transform=None, variant: str = "") -> Response:
    body = _body(path, transform, variant)
    content_type = TYPES.get(path.suffix, "application/octet-stream")
    use_gzip = body.gz is not None and "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(body.gz if use_gzip else body.data, content_type=content_type)
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    if body.gz is not None:
        response.vary.add("Accept-Encoding")
    response.set_etag(body.etag + ("-gz" if use_gzip else ""))
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@bp.route("")
def root():
    return redirect("/app/", 301)


# The app holds a bearer token in IndexedDB: allow nothing but its own files to run. The one
# inline script is the import map, allowed by its hash.
CSP = ("default-src 'self'; script-src 'self' {importmap}; style-src 'self'; "
       "img-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; "
       "manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")


def _content_security_policy(html: bytes) -> str:
    hashes = []
    for script in re.findall(rb"<script type=\"importmap\">(.*?)</script>", html, re.S):
        digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    return CSP.format(importmap=" ".join(hashes))


@bp.route("/")
def index():
    path = pwa_dir() / "index.html"
    response = _send(path)
    response.headers["Content-Security-Policy"] = _content_security_policy(
        _body(path).data)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/sw.js")
def service_worker():
    """The service worker, stamped with the build id and the list of shell files to precache
    (its scope is /app/, from its own URL)."""
    build = build_id()

    shell = ["/app/"] + [url for url, _ in shell_files()
                         if url not in ("/app/sw.js", "/app/index.html")]

    def stamp(data: bytes) -> bytes:
        text = data.decode()
        for marker in (BUILD_MARKER, SHELL_MARKER):
            if marker not in text:
                raise RuntimeError(f"pwa/sw.js must contain {marker!r}")
        return (text.replace(BUILD_MARKER, f"const BUILD = {json.dumps(build)};", 1)
                .replace(SHELL_MARKER, f"const SHELL = {json.dumps(shell)};", 1).encode())

    response = _send(pwa_dir() / "sw.js", stamp, variant=build)
    response.headers["Service-Worker-Allowed"] = "/app/"
    return response


@bp.route("/vendor/<name>")
def vendor(name: str):
    inside = VENDOR.get(name)
    if inside is None:
        abort(404)
    return _send(vendor_dir() / inside)


@bp.route("/<path:filename>")
def static_file(filename: str):
    base = pwa_dir().resolve()
    path = (base / filename).resolve()
    relative = path.relative_to(base) if path.is_relative_to(base) else None
    if relative is None or not relative.parts or _private(relative) or not path.is_file():
        abort(404)
    if relative.as_posix() == "index.html":
        return index()  # the same page as /app/, with its policy
    return _send(path)
