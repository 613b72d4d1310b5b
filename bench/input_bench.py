"""What the input checks cost: the depth-limited JSON loader and the text scan of InSchema,
on the largest body the API takes (a 2 MiB sync push) and on a typical REST body.

    .venv/bin/python bench/input_bench.py

Prints the figures and writes bench/results/input_bench.json. No database is needed.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from _world import report, timed


def push_body(target_bytes: int) -> bytes:
    """A push of add_note mutations, as large as SYNC_MAX_PUSH_BYTES allows."""
    mutations, size, i = [], 0, 1
    while True:
        mutation = {"id": i, "name": "add_note", "version": 1, "client_time":
                    datetime.now(UTC).isoformat(), "args": {
                        "order_id": str(uuid.uuid4()), "note_id": str(uuid.uuid4()),
                        "body": "压缩机启动后有异响，已更换电容。" * 8,
                        "device_time": datetime.now(UTC).isoformat()}}
        size += len(json.dumps(mutation).encode())
        if size > target_bytes - 4096:  # separators and the envelope
            break
        mutations.append(mutation)
        i += 1
    return json.dumps({"protocol": 1, "mutations": mutations}).encode()


def main() -> None:
    from server.parsing import DEFAULT_JSON_MAX_DEPTH, loads_limited
    from server.schemas import _text_errors

    push = push_body(2 * 1024 * 1024)
    customer = json.dumps({"name": "王秀英", "phone": "+86 138 0000 0000",
                           "preferences": ["上午", "老人在家"], "notes": "请先电话联系" * 20,
                           "addresses": [{"line1": "漕溪北路 1 号", "city": "上海"}]}).encode()
    parsed_push = json.loads(push)
    figures = {"push_bytes": len(push), "push_mutations": len(parsed_push["mutations"]),
               "max_depth": DEFAULT_JSON_MAX_DEPTH}
    for name, body, repeat in (("push", push, 20), ("customer", customer, 2000)):
        plain = timed(lambda b=body: json.loads(b), repeat)
        limited = timed(lambda b=body: loads_limited(b, DEFAULT_JSON_MAX_DEPTH), repeat)
        # An upper bound: InSchema skips the (opaque) args of a push, this scans everything.
        scan = timed(lambda b=body: _text_errors(json.loads(b)), repeat)
        figures[name] = {"json_loads_ms": plain, "loads_limited_ms": limited,
                         "loads_and_text_scan_ms": scan}
    report("input_bench", figures)


if __name__ == "__main__":
    main()
