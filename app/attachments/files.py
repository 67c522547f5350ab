"""Reading a file a user attaches: what it is (by its content, not its name), whether it may be
kept, and the bytes kept for it. Photos are downscaled with Pillow to at most MAX_EDGE pixels on
the long side and re-encoded as JPEG, turned upright by their EXIF orientation, keeping the time
they were taken (EXIF DateTimeOriginal) and dropping everything else, GPS position included, unless
the caller keeps the location (a case that needs the place). Every file gets a small JPEG preview
(a PDF's first page through poppler's pdftoppm when it is installed).

Bad input raises a translated ValidationError and nothing is kept."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import ValidationError

MAX_BYTES = 20 * 1024 * 1024  # as the server's default max_attachment_bytes
MAX_EDGE = 2560
THUMB_EDGE = 320
PHOTO_QUALITY, THUMB_QUALITY = 85, 70
EXIF_DATETIME_ORIGINAL, EXIF_DATETIME, EXIF_IFD, GPS_IFD = 0x9003, 0x0132, 0x8769, 0x8825
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "MPO": "image/jpeg"}


@dataclass(frozen=True)
class Prepared:
    """A file ready to keep: its bytes, type, preview and the time a photo was taken."""

    data: bytes
    mime: str
    filename: str
    thumb: bytes | None
    taken_at: dt.datetime | None


def prepare(path: Path | str, keep_location: bool = False, max_bytes: int = MAX_BYTES) -> Prepared:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError:
        raise ValidationError("file", "attachment_unreadable", name=path.name) from None
    if raw.startswith(b"%PDF-"):
        _check_size(len(raw), max_bytes)
        return Prepared(raw, "application/pdf", path.name, _pdf_thumb(raw), None)
    try:
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        kind = path.suffix.lstrip(".").lower() or "unknown"
        raise ValidationError("file", "attachment_type", kind=kind) from None
    if image.format not in IMAGE_TYPES:
        raise ValidationError("file", "attachment_type", kind=(image.format or "unknown").lower())
    data, taken_at = _photo(image, keep_location)
    _check_size(len(data), max_bytes)
    return Prepared(data, "image/jpeg", Path(path.name).with_suffix(".jpg").name, _thumb(image), taken_at)


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ValidationError("file", "attachment_too_large", size_mb=round(size / 1e6, 1),
                              max_mb=round(max_bytes / 1e6))


def _photo(image: Image.Image, keep_location: bool) -> tuple[bytes, dt.datetime | None]:
    exif = image.getexif()
    taken = exif.get_ifd(EXIF_IFD).get(EXIF_DATETIME_ORIGINAL) or exif.get(EXIF_DATETIME)
    kept = Image.Exif()
    if taken:
        kept[EXIF_DATETIME] = taken
        kept.get_ifd(EXIF_IFD)[EXIF_DATETIME_ORIGINAL] = taken
    if keep_location and exif.get_ifd(GPS_IFD):
        kept[GPS_IFD] = exif.get_ifd(GPS_IFD)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=PHOTO_QUALITY, optimize=True, exif=kept.tobytes())
    return out.getvalue(), _exif_time(taken)


def _exif_time(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _thumb(image: Image.Image) -> bytes:
    small = ImageOps.exif_transpose(image).convert("RGB")
    small.thumbnail((THUMB_EDGE, THUMB_EDGE))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=THUMB_QUALITY)
    return out.getvalue()


def _pdf_thumb(raw: bytes) -> bytes | None:
    """The first page as a preview, or None when poppler's pdftoppm is not installed or fails."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "scan.pdf"
        source.write_bytes(raw)
        done = subprocess.run([tool, "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", str(source),
                               str(Path(tmp) / "page")], capture_output=True, timeout=60)
        page = Path(tmp) / "page.png"
        if done.returncode != 0 or not page.is_file():
            return None
        with Image.open(page) as image:
            return _thumb(image)


def first_page_image(raw: bytes) -> Image.Image | None:
    """A PDF's first page at 200 dpi (for reading its QR code), or None without pdftoppm."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "scan.pdf"
        source.write_bytes(raw)
        subprocess.run([tool, "-png", "-r", "200", "-f", "1", "-l", "1", "-singlefile", str(source),
                        str(Path(tmp) / "page")], capture_output=True, timeout=120)
        page = Path(tmp) / "page.png"
        if not page.is_file():
            return None
        with Image.open(page) as image:
            image.load()
            return image.copy()
