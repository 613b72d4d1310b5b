"""gunicorn.conf.py plus the hooks of bench/_phases.py (PUSH_PHASES=1 in the HTTP bench)."""

import sys
from pathlib import Path

_root = Path(__file__).resolve().parents[1]
exec(compile((_root / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"))
sys.path.insert(0, str(_root / "bench"))


_base_post_worker_init = post_worker_init  # noqa: F821 (gunicorn.conf.py's, exec'd above)


def post_worker_init(worker):
    import _phases

    _base_post_worker_init(worker)

    _phases.install(worker.wsgi)


def worker_exit(server, worker):
    import _phases

    _phases.dump()
