"""Checking bytes that claim to be a photo, and making the renditions that are stored.

Nothing a device sends is trusted. An image is accepted only if:

* its real type, read from its first bytes, is JPEG, PNG or WebP (anything else, HEIC
  included, is named and refused);
* Pillow, reading the header only, agrees on the type, and width × height is within the
  pixel limit — checked before a single pixel is decoded, so a decompression bomb never
  expands;
* the file ends where the image ends: nothing is appended after the JPEG end marker, the
  PNG ``IEND`` chunk or the WebP RIFF size (how ZIP, HTML or PDF polyglots hide), and no
  other format's signature sits in its first kilobyte or in a metadata segment;
* it decodes completely (a truncated file is refused, never padded with grey).

Every stored rendition is re-encoded from pixels alone, after applying the EXIF
orientation and converting to sRGB: no EXIF (GPS included), XMP, ICC profile or comment
survives. Functions here touch neither the database nor the storage: they read one file
and write scratch files for the caller to store.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from ..errors import Invalid

ALLOWED = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
DISPLAY_SIDE = 1600
THUMB_SIDE = 320
# Photos print about 44 × 33 mm in a report: this box is ~300 dpi there.
PRINT_BOX = (520, 390)
# Where another format's signature makes a file a polyglot (PDF readers look for
# "%PDF-" anywhere in the first 1024 bytes; browsers sniff HTML early too).
HEAD = 1024
FOREIGN = (b"%pdf-", b"<?php", b"<script", b"<html", b"<!doctype", b"<svg", b"<iframe",
           b"pk\x03\x04", b"\x7felf")
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class BadImage(Invalid):
    """Bytes refused as a photo; ``code`` names the problem for machines."""

    def __init__(self, code: str, message: str):
        super().__init__(message, {"body": [message]}, code=code)


@dataclass
class Renditions:
    """A checked image and its renditions, written to scratch files the caller stores."""

    format: str
    width: int
    height: int
    ext: str  # of the renditions: jpg, or png when the image has transparency
    files: dict[str, Path] = field(default_factory=dict)  # display / print / thumb → file

    @property
    def content_type(self) -> str:
        return ALLOWED[self.format]


# -- what the bytes are -------------------------------------------------------------------

def sniff(head: bytes) -> str | None:
    """The type the first bytes announce: an allowed image type, another known type, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "HEIC"
        if brand in (b"avif", b"avis"):
            return "AVIF"
        return "a video or ISO media file"
    for magic, name in ((b"GIF8", "GIF"), (b"BM", "BMP"), (b"II*\x00", "TIFF"),
                        (b"MM\x00*", "TIFF"), (b"%PDF-", "a PDF document"),
                        (b"PK\x03\x04", "a ZIP archive"), (b"\x7fELF", "a program"),
                        (b"MZ", "a program"), (b"\x1f\x8b", "a gzip archive")):
        if head.startswith(magic):
            return name
    text = head.lstrip()[:64].lower()
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in head.lower():
        return "SVG"
    if text.startswith((b"<!doctype", b"<html", b"<?xml")):
        return "HTML or XML"
    return None


def looks_like_an_image(head: bytes) -> bool:
    """Whether opaque bytes should be checked as an image anyway (a mislabelled upload)."""
    return sniff(head) in ALLOWED or sniff(head) in ("HEIC", "AVIF", "GIF", "BMP", "TIFF")


def _refuse_type(kind: str | None) -> BadImage:
    if kind in ("HEIC", "AVIF"):
        return BadImage("unsupported_image_type",
                        f"{kind} photos are not accepted: send JPEG, PNG or WebP "
                        "(the app converts photos before uploading them).")
    if kind in ("GIF", "BMP", "TIFF", "SVG"):
        return BadImage("unsupported_image_type",
                        f"{kind} images are not accepted: send JPEG, PNG or WebP.")
    what = f" (it looks like {kind})" if kind else ""
    return BadImage("not_an_image", f"The file is not an image{what}: send JPEG, PNG or WebP.")


# -- where the image ends -------------------------------------------------------------------

@dataclass
class _Layout:
    end: int  # offset just past the image's last byte
    metadata: list[bytes]  # contents of comment / APPn / text chunks


def _truncated(kind: str) -> BadImage:
    return BadImage("truncated_image", f"The {kind} file is truncated: it ends before the "
                                       "image does. Upload it again.")


def _corrupt(detail: str) -> BadImage:
    return BadImage("corrupt_image", f"The image is damaged: {detail}.")


def _jpeg_layout(data: bytes) -> _Layout:
    """Walk the JPEG markers to the end-of-image marker (after the last scan)."""
    n, pos, metadata = len(data), 2, []
    while True:
        if pos + 2 > n:
            raise _truncated("JPEG")
        if data[pos] != 0xFF:
            raise _corrupt("a JPEG marker is missing")
        while pos + 1 < n and data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        if pos + 2 > n:
            raise _truncated("JPEG")
        marker = data[pos + 1]
        if marker == 0xD9:  # EOI
            return _Layout(pos + 2, metadata)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        if pos + 4 > n:
            raise _truncated("JPEG")
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if length < 2:
            raise _corrupt("a JPEG segment has an impossible length")
        if pos + 2 + length > n:
            raise _truncated("JPEG")
        if marker == 0xFE or 0xE0 <= marker <= 0xEF:
            metadata.append(data[pos + 4:pos + 2 + length])
        pos += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= n:
                    raise _truncated("JPEG")
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 1 if following == 0xFF else 2
                    continue
                break


_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP")


def _png_layout(data: bytes) -> _Layout:
    """Walk the PNG chunks, checking each CRC, to the end of ``IEND``."""
    n, pos, metadata = len(data), 8, []
    while True:
        if pos + 12 > n:
            raise _truncated("PNG")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > n:
            raise _truncated("PNG")
        body = data[pos + 8:pos + 8 + length]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[end - 4:end])[0]:
            raise _corrupt(f"the PNG chunk {kind.decode('latin-1')!r} fails its checksum")
        if kind in _TEXT_CHUNKS:
            metadata.append(body)
        if kind == b"IEND":
            return _Layout(end, metadata)
        pos = end


def _webp_layout(data: bytes) -> _Layout:
    """A WebP file is one RIFF chunk whose size says where it ends."""
    size = struct.unpack("<I", data[4:8])[0]
    end = 8 + size + (size & 1)
    if end > len(data):
        raise _truncated("WebP")
    metadata, pos = [], 12
    while pos + 8 <= end:
        kind, length = struct.unpack("<4sI", data[pos:pos + 8])
        if kind in (b"EXIF", b"XMP ", b"ICCP"):
            metadata.append(data[pos + 8:pos + 8 + length])
        pos += 8 + length + (length & 1)
    return _Layout(end, metadata)


_LAYOUTS = {"jpeg": _jpeg_layout, "png": _png_layout, "webp": _webp_layout}


def _check_structure(kind: str, data: bytes) -> None:
    """Raises BadImage for a truncated file, appended data or a foreign signature."""
    layout = _LAYOUTS[kind](data)
    trailing = data[layout.end:]
    if trailing.strip(b"\x00"):
        raise BadImage("polyglot", f"The file carries {len(trailing)} bytes after the end "
                                   "of the image (an appended file?); it is refused.")
    for chunk in (data[:HEAD], *layout.metadata):
        lowered = chunk.lower()
        for magic in FOREIGN:
            if magic in lowered:
                shown = magic.decode("latin-1").strip("\x03\x04\x7f")
                raise BadImage("polyglot", "The image hides another kind of file "
                                           f"(it contains {shown!r}); it is refused.")


# -- decoding and renditions ------------------------------------------------------------------

def _open(data: bytes, kind: str, max_pixels: int) -> Image.Image:
    """Open the header only; raises BadImage unless Pillow agrees and the size is allowed."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[kind.upper()])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise BadImage("too_many_pixels", "The image has far too many pixels "
                                              f"(at most {max_pixels:,} are accepted).") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as problem:
            raise _corrupt(f"its {kind.upper()} header cannot be read ({problem})") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise _corrupt("it has no pixels")
    if width * height > max_pixels:
        raise BadImage("too_many_pixels", f"The image is {width} × {height} pixels; at most "
                                          f"{max_pixels:,} pixels are accepted.")
    return image


def _decode(image: Image.Image, kind: str) -> Image.Image:
    """Pixels, upright and in sRGB; JPEGs are decoded at a reduced scale when that suffices."""
    if kind == "jpeg":
        # DCT scaling: decode at 1/2, 1/4 or 1/8 while still at least the display size.
        image.draft(image.mode if image.mode in ("L", "RGB") else "RGB",
                    _fit(image.size, DISPLAY_SIDE))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.load()
        except OSError as problem:
            if "truncated" in str(problem).lower():
                raise _truncated(kind.upper()) from None
            raise _corrupt(str(problem)) from None
        except (SyntaxError, ValueError, EOFError) as problem:
            raise _corrupt(str(problem)) from None
    icc = image.info.get("icc_profile")
    try:
        if image.getexif().get(0x0112, 1) != 1:
            image = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 — a broken EXIF block only loses the rotation
        pass
    return _to_srgb(image, icc)


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """``size`` scaled down (never up) so that its long side is at most ``side``."""
    return _fit_box(size, (side, side))


def _fit_box(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled down (never up) to fit in ``box``, keeping its proportions."""
    width, height = size
    scale = min(1.0, box[0] / width, box[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Pixels in L, RGB or RGBA (sRGB); the source's colour profile is applied, then dropped."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = image.point(lambda value: value / 256).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)
    target = "RGBA" if has_alpha else "RGB"
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, _SRGB, outputMode=target)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: convert without it
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert(target)
    return image


def _save(image: Image.Image, path: Path, ext: str, quality: int) -> None:
    """Pixels only: no exif, icc_profile, comment or text chunk is passed on."""
    if ext == "png":
        image.save(path, "PNG", optimize=False, compress_level=6)
    else:
        image.save(path, "JPEG", quality=quality, optimize=False, progressive=True)


def check_and_render(path: Path, max_pixels: int, scratch) -> Renditions:
    """Check the image in ``path`` and write its display, print and thumbnail renditions.

    ``scratch()`` returns a fresh scratch file path. Raises BadImage naming the problem;
    the caller then stores nothing.
    """
    data = path.read_bytes()
    kind = sniff(data[:64])
    if kind not in ALLOWED:
        raise _refuse_type(kind)
    _check_structure(kind, data)
    image = _open(data, kind, max_pixels)
    width, height = image.size
    try:
        if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # a quarter turn
            width, height = height, width
    except Exception:  # noqa: BLE001 — unreadable EXIF: no rotation either
        pass
    display = _decode(image, kind)
    del data
    ext = "png" if display.mode in ("RGBA", "LA") else "jpg"
    if max(display.size) > DISPLAY_SIDE:
        display = display.resize(_fit(display.size, DISPLAY_SIDE), Image.Resampling.LANCZOS,
                                 reducing_gap=3.0)
    printed = display.resize(_fit_box(display.size, PRINT_BOX), Image.Resampling.LANCZOS)
    thumb = printed.resize(_fit(printed.size, THUMB_SIDE), Image.Resampling.LANCZOS)
    result = Renditions(format=kind, width=width, height=height, ext=ext)
    for name, rendition, quality in (("display", display, 82), ("print", printed, 72),
                                     ("thumb", thumb, 76)):
        target = scratch()
        _save(rendition, target, ext, quality)
        result.files[name] = target
    return result


def report_image(path_or_stream, box: tuple[int, int], quality: int = 72) -> bytes:
    """A JPEG (or PNG with transparency) sized to fit ``box`` pixels, for a PDF."""
    with Image.open(path_or_stream) as image:
        if image.format == "JPEG":
            image.draft("RGB" if image.mode != "L" else "L", box)
        image.load()
        image.thumbnail(box, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if image.mode in ("RGBA", "LA", "P"):
            image.save(out, "PNG", optimize=True)
        else:
            image.save(out, "JPEG", quality=quality, optimize=True)
        return out.getvalue()
