"""Files shaped like real ones for the attachment tests: a phone photo (4000×3000 JPEG with the time
it was taken and a GPS position in its EXIF) and a one-page PDF scan."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image

TAKEN = "2026:11:26 09:41:07"


def phone_photo(path: Path, size=(4000, 3000), seed: int = 1, quality: int = 92, grain: int = 8) -> Path:
    """A noisy photo (so JPEG cannot shrink it to nothing) with EXIF time and GPS; a smaller
    `grain` makes finer detail, so a larger file once downscaled."""
    rng = random.Random(seed)
    small = Image.new("RGB", (size[0] // grain, size[1] // grain))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256))
                   for _ in range(small.width * small.height)])
    image = small.resize(size, Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"
    exif[0x0132] = TAKEN
    exif.get_ifd(0x8769)[0x9003] = TAKEN
    exif[0x8825] = {1: "N", 2: (42.0, 15.0, 30.0), 3: "E", 4: (118.0, 53.0, 10.0)}
    image.save(path, "JPEG", quality=quality, exif=exif.tobytes())
    return path


def pdf_of(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "PDF", resolution=150)
    return out.getvalue()
