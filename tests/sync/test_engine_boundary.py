"""The engine stays free of Flask, so it can run under any server or a worker."""

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "sync"


def test_the_sync_engine_does_not_import_flask():
    offenders = []
    for module in ENGINE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{module.name}: {n}" for n in names if n.split(".")[0].startswith("flask")]
    assert offenders == []
