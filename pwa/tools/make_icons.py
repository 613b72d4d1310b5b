"""Draw the app icons (a white door on a step, on the theme colour) as PNG files.

Pure Python (zlib only), so it runs anywhere:  python3 pwa/tools/make_icons.py
The PNGs it writes are committed in pwa/icons/; run it again only to change the design.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

THEME = (11, 87, 164)  # #0b57a4, the manifest's theme_color
WHITE = (255, 255, 255)
OUT = Path(__file__).resolve().parents[1] / "icons"
SAMPLES = 4  # supersampling per axis, for smooth edges


def rounded_rect(x, y, x0, y0, x1, y1, r):
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def shade(u, v, maskable):
    """Colour at (u, v) in unit coordinates, or None for transparent."""
    inset = 0.0 if maskable else 0.02
    if not rounded_rect(u, v, inset, inset, 1 - inset, 1 - inset, 0 if maskable else 0.2):
        return None
    # Maskable icons keep their drawing inside the central safe circle (80 %).
    s, o = (0.62, 0.19) if maskable else (0.74, 0.13)

    def at(a, b):
        return (u - o) / s, (v - o) / s

    x, y = at(u, v)
    door = rounded_rect(x, y, 0.28, 0.08, 0.72, 0.84, 0.05)
    panel = rounded_rect(x, y, 0.36, 0.16, 0.64, 0.76, 0.03)
    knob = (x - 0.585) ** 2 + (y - 0.47) ** 2 <= 0.035 ** 2
    step = rounded_rect(x, y, 0.16, 0.86, 0.84, 0.94, 0.03)
    if knob:
        return THEME
    if door and not panel:
        return WHITE
    if panel:
        return (232, 240, 250)
    if step:
        return WHITE
    return THEME


def render(size: int, maskable: bool) -> bytes:
    rows = []
    n = SAMPLES * SAMPLES
    for j in range(size):
        row = bytearray([0])  # filter type 0
        for i in range(size):
            r = g = b = a = 0
            for sj in range(SAMPLES):
                for si in range(SAMPLES):
                    c = shade((i + (si + 0.5) / SAMPLES) / size,
                              (j + (sj + 0.5) / SAMPLES) / size, maskable)
                    if c is not None:
                        r, g, b, a = r + c[0], g + c[1], b + c[2], a + 1
            if a:
                row += bytes((r // a, g // a, b // a, 255 * a // n))
            else:
                row += b"\0\0\0\0"
        rows.append(bytes(row))
    return png(size, size, b"".join(rows))


def png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                 ("maskable-512.png", 512, True),
                                 ("apple-touch-icon.png", 180, True),
                                 ("favicon-32.png", 32, False)):
        (OUT / name).write_bytes(render(size, maskable))
        print("wrote", OUT / name)


if __name__ == "__main__":
    main()
