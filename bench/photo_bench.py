"""Photo processing: a 12-megapixel JPEG checked and turned into both renditions.

Targets (issue 5): ≤ 400 ms from the original to the display rendition (long side 1600)
and the thumbnail (320); the worker's peak memory reported. Figures: the check and
renditions alone (``check_and_render``, median warm), the whole upload (``PUT`` of the
bytes: hashing, checking, storing), and the peak resident memory of a fresh process that
processes one photo (``VmHWM``), with the same process's figure before processing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _world import ROOT, make_app, report, token_for
from PIL import Image

WIDTH, HEIGHT = 4000, 3000  # 12 megapixels

# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
PEAK = """
import sys, tempfile
from pathlib import Path
sys.path.insert(0, {root!r})
from server.media import images
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
path = Path({path!r})
before = hwm()
scratch = tempfile.mkdtemp()
n = iter(range(10))
if {process}:
    images.check_and_render(path, 50_000_000, lambda: Path(scratch) / f"r{{next(n)}}")
print(before, hwm())
"""



def timed(fn, repeat: int) -> dict:
    """Median and p95 wall time, and median CPU time of this process (ms).

    The CPU figure is what the step costs; the wall figure also counts waiting for a core,
    which on a busy machine can be most of it.
    """
    import statistics

    from _world import percentile

    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(wall), 1),
            "p95_ms": round(percentile(wall, 95), 1),
            "cpu_median_ms": round(statistics.median(cpu), 1), "runs": repeat}

def peak_memory(path: Path, process: bool) -> tuple[int, int]:
    """(baseline KB, peak KB) of a fresh process that imports Pillow and maybe processes."""
    code = PEAK.format(root=str(ROOT), path=str(path), process=process)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]), int(out[1])


def main():
    from server.media import images
    from tests.report_scenario import photo, sha

    original = photo(WIDTH, HEIGHT, seed=12, quality=92, grain=0.18)
    work = Path(tempfile.mkdtemp(prefix="doorstep-bench-photo-"))
    path = work / "original.jpg"
    path.write_bytes(original)
    counter = iter(range(10**6))

    def scratch():
        return work / f"rendition-{next(counter)}"

    def process():
        result = images.check_and_render(path, 50_000_000, scratch)
        for file in result.files.values():
            file.unlink()

    first = images.check_and_render(path, 50_000_000, scratch)  # warm, and the sizes
    renditions = {name: {"size": list(Image.open(file).size), "bytes": file.stat().st_size}
                  for name, file in first.files.items()}
    alone = timed(process, 9)

    app = make_app("photos")
    with app.app_context():
        from server.extensions import db
        from tests import factories

        tech = factories.make_technician()
        token = token_for(tech.user)
        db.session.commit()
    client = app.test_client()
    uploads = [photo(WIDTH, HEIGHT, seed=100 + i, quality=92, grain=0.18) for i in range(5)]
    queue = iter(uploads)

    def upload():
        data = next(queue)
        response = client.put(f"/api/v1/blobs/{sha(data)}", data=data, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"})
        assert response.status_code == 201, response.get_json()

    whole = timed(upload, len(uploads))
    baseline_kb, _ = peak_memory(path, process=False)
    start_kb, peak_kb = peak_memory(path, process=True)
    with app.app_context():
        from server.media.models import Blob

        blob = db.session.get(Blob, sha(uploads[0]))
        dims = [blob.width, blob.height]
    report("photos", {
        "original": {"pixels": WIDTH * HEIGHT, "bytes": len(original), "format": "JPEG q92"},
        "renditions": renditions,
        "stored_dimensions": dims,
        "check_and_renditions": alone,
        "upload_put_whole": whole,
        "target_ms": 400,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "peak_rss_over_imports_mb": round((peak_kb - start_kb) / 1024, 1),
        "baseline_rss_after_imports_mb": round(baseline_kb / 1024, 1),
        "cpu_count": os.cpu_count(),
    })


if __name__ == "__main__":
    main()
