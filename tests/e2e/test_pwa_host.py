"""Serving the technician app under /app/: the right files with the right types and cache
headers, a service worker stamped with the build and the shell it precaches, and nothing
outside the app shell."""

from __future__ import annotations

import json
import posixpath
import re
import shutil

import pytest

from server.pwa_host import routes as pwa_host


def test_the_app_shell_is_served_with_types_and_revalidation(client):
    page = client.get("/app/")
    assert page.status_code == 200
    assert page.content_type == "text/html; charset=utf-8"
    assert page.headers["Cache-Control"] == "no-cache"
    assert b'<script type="importmap">' in page.data
    assert client.get("/app").status_code == 301

    again = client.get("/app/", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304

    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in policy and "'unsafe-inline'" not in policy
    assert "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy

    for path, kind in (("/app/js/main.js", "text/javascript; charset=utf-8"),
                       ("/app/css/app.css", "text/css; charset=utf-8"),
                       ("/app/manifest.webmanifest", "application/manifest+json"),
                       ("/app/icons/icon-192.png", "image/png"),
                       ("/app/vendor/preact.mjs", "text/javascript; charset=utf-8"),
                       ("/app/vendor/dexie.mjs", "text/javascript; charset=utf-8"),
                       ("/app/vendor/signature_pad.mjs", "text/javascript; charset=utf-8")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.content_type == kind, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_text_is_gzipped_for_clients_that_accept_it(client):
    plain = client.get("/app/vendor/dexie.mjs")
    packed = client.get("/app/vendor/dexie.mjs", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.data) < len(plain.data) / 2
    assert packed.headers["ETag"] != plain.headers["ETag"]
    png = client.get("/app/icons/icon-512.png", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in png.headers


def test_the_service_worker_carries_the_build_and_every_shell_file(client):
    response = client.get("/app/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/app/"
    assert response.headers["Cache-Control"] == "no-cache"
    text = response.data.decode()
    build = re.search(r'const BUILD = "([0-9a-f]{16})";', text).group(1)
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", text).group(1))
    assert build == pwa_host.build_id()
    assert shell[0] == "/app/"
    for url in shell:
        assert client.get(url).status_code == 200, url
    served = {"/app/js/main.js", "/app/js/db.js", "/app/js/views/job-sign.js",
              "/app/vendor/dexie.mjs", "/app/manifest.webmanifest", "/app/css/app.css"}
    assert served <= set(shell)
    assert "/app/sw.js" not in shell
    assert not any("/tests/" in url or "/tools/" in url for url in shell)
    # Every module the app imports is in the shell, so it all works offline.
    imports = set()
    for url in shell:
        if url.endswith(".js"):
            source = client.get(url).data.decode()
            for name in re.findall(r'from "(\./[^"]+|\.\./[^"]+)"', source):
                base = url.rsplit("/", 1)[0]
                while name.startswith("../"):
                    base, name = base.rsplit("/", 1)[0], name[3:]
                imports.add(f"{base}/{name.removeprefix('./')}")
    assert imports <= set(shell), imports - set(shell)


def _static_imports(client, url: str, imports: dict) -> set:
    """The modules ``url`` loads before it runs (static imports, followed), as URLs."""
    seen, todo = set(), [url]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if not current.startswith("/app/js/"):
            continue
        source = client.get(current).data.decode()
        for spec in re.findall(r'^import\s[^;]*?from\s+"([^"]+)";', source, re.M | re.S):
            if spec in imports:
                todo.append(imports[spec])
            else:
                todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(current), spec)))
    return seen


def test_the_first_screen_modules_are_all_preloaded(client):
    page = client.get("/app/").data.decode()
    imports = json.loads(re.search(r'<script type="importmap">(.*?)</script>', page,
                                   re.S).group(1))["imports"]
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', page))
    needed = _static_imports(client, "/app/js/main.js", imports) - {"/app/js/main.js"}
    assert needed == preloaded, {"missing": needed - preloaded, "extra": preloaded - needed}
    for url in imports.values():
        assert client.get(url).status_code == 200, url


def test_only_the_app_shell_is_served(client):
    for path in ("/app/tests/fold.test.mjs", "/app/tools/make_icons.py", "/app/package.json",
                 "/app/README.md",
                 "/app/../server/config.py", "/app/%2e%2e/server/config.py",
                 "/app/vendor/axe.min.js", "/app/vendor/../../package.json", "/app/nothing.js"):
        assert client.get(path).status_code == 404, path


def test_any_change_to_the_shell_is_a_new_build(app, client, tmp_path, monkeypatch):
    copy = tmp_path / "pwa"
    shutil.copytree(pwa_host.ROOT / "pwa", copy)
    monkeypatch.setitem(app.config, "PWA_DIR", str(copy))
    first = client.get("/app/sw.js").data
    with app.test_request_context():
        before = pwa_host.build_id()
    (copy / "css" / "app.css").write_text((copy / "css" / "app.css").read_text() + "\n/* v2 */\n")
    with app.test_request_context():
        after = pwa_host.build_id()
    assert before != after
    second = client.get("/app/sw.js").data
    assert first != second and after.encode() in second


@pytest.mark.parametrize("marker", [pwa_host.BUILD_MARKER, pwa_host.SHELL_MARKER])
def test_the_worker_source_keeps_the_lines_the_server_fills_in(marker):
    assert marker in (pwa_host.ROOT / "pwa" / "sw.js").read_text()
