"""Files shaped like real ones for the attachment tests: a phone photo (4000×3000 JPEG with the time
it was taken and a GPS position in its EXIF) and a one-page PDF scan; a desk (an enrolled PC with
its attachment service) and a case to attach to."""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path

from PIL import Image

from app.attachments.service import AttachmentService
from app.enrolment import SecretStore
from app.services.context import Actor
from app.sync_service import client_sync
from db.engine import open_local, session_factory
from db.models import Case
from sync.attachments import blob_dir_for
from sync.capture import install_capture
from tests.client_sync_support import MemoryKeyring
from tests.server.live import PASSWORD

TAKEN = "2026:11:26 09:41:07"
VILLAGE = "150422100201"
GRID = "150422100201001"


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


class Desk:
    """One PC enrolled as `username`, with its attachment service."""

    def __init__(self, path, server, username: str, role: str, scope: str) -> None:
        self.engine = open_local(path.parent / path.stem / path.name)  # each PC its own folder of files
        self.sessions = session_factory(self.engine)
        self.enrolment, self.sync = client_sync(self.engine, self.sessions, SecretStore(MemoryKeyring()))
        install_capture(self.sessions, self.enrolment.device_id())
        self.enrolment.enrol(server.url, username, PASSWORD, device_name="测试电脑")
        self.attachments = AttachmentService(self.sessions, Actor(username, role, scope), blob_dir_for(self.engine))


def case_at(desk: Desk) -> str:
    """A 12345 case in the grid, created on `desk`."""
    with desk.sessions.begin() as s:
        case = Case(case_no="SJ20261126-0007", source="1", request_type="3", category_code="0201",
                    title="消防通道被杂物堵塞", registered_at=dt.datetime(2026, 11, 26, 9, 0), region_code=VILLAGE,
                    grid_code=GRID, status=10)
        s.add(case)
        s.flush()
        return case.id
