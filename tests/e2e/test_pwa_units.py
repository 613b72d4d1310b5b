"""The technician app's pure modules under Node's test runner (pwa/tests/*.test.mjs):
the signed-content hash against the shared vectors, the outbox fold, the message
catalogue."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_app_modules_pass_their_node_tests():
    node = shutil.which("node")
    if node is None:
        message = "Node.js is not installed (apt-get install nodejs)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    if not (ROOT / "tests" / "vectors" / "signed_content.json").exists():
        pytest.fail("tests/vectors/signed_content.json is missing: the phone's hash would go "
                    "unchecked against the server's", pytrace=False)
    tests = sorted(str(path) for path in (ROOT / "pwa" / "tests").glob("*.test.mjs"))
    result = subprocess.run([node, "--test", *tests], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
