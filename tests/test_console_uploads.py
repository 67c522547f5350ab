"""Uploads in the city console: a department issues a task with attachments (checked by content, size
and number; kept once in the server's blob store; attached to every target) and the township's
desktop client receives them with its target by real sync and downloads the file; another
township's user cannot read the blob. The city admin uploads a signed client build (the file and
the signature the release manager made), which devices then find on the update channel; a wrongly
signed one is refused with a field message and nothing published; publishing and withdrawing are
audited."""

from __future__ import annotations

import hashlib
import io
import re

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from db.models import Attachment, AuditEntry, Task, TaskTarget
from server.app import create_app
from server.models import ClientBuild
from server.task_files import check_file
from sync import release
from tests.attachment_support import pdf_of
from tests.console_support import signed_in, texts
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.live import PASSWORD
from tests.test_attachments_live import Desk
from tests.test_console_pages import dept_code
from tests.test_update_channel import PLATFORM, _client, _fake_build, city_server, release_keys  # noqa: F401

TOWNSHIP, VILLAGE, OTHER_TOWNSHIP = "150422100", "150422100203", "150422101"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def _pdf() -> bytes:
    return pdf_of(Image.new("RGB", (300, 420), (250, 250, 250)))


def _issue(clerk, title: str, files: list[tuple[str, bytes, str]], regions: list[str]):
    clerk.get("/dept/issue")
    data = {"csrf": clerk.csrf, "title": title, "kind": "1", "priority": "2", "workdays": "3",
            "regions[]": [f"rg-{r}" for r in regions]}
    r = clerk.http.post(clerk.server.url + "/console/dept/issue", data=data, timeout=60,
                        files=[("attachments", f) for f in files])
    clerk.page = r.text
    return r


def test_a_task_issued_with_attachments_reaches_the_township_client(server, tmp_path):
    clerk = signed_in(server, "department", "150422", dept_code())
    pdf, png = _pdf(), _png()
    r = _issue(clerk, "防汛通知及检查表", [("防汛通知<1>.pdf", pdf, "application/pdf"),
                                       ("C:\\扫描\\检查表.png", png, "image/png")], [TOWNSHIP, VILLAGE])
    assert r.status_code == 200 and "任务已下发：2 个对象" in r.text, r.text[:500]
    with server.session() as s:
        task = s.scalars(select(Task).where(Task.title == "防汛通知及检查表")).one()
        targets = {t.region_code: t.id for t in s.scalars(select(TaskTarget).where(TaskTarget.task_id == task.id))}
        files = s.scalars(select(Attachment).where(Attachment.owner_id.in_(targets.values()))).all()
    assert sorted((f.filename, f.mime) for f in files) == sorted(
        [("防汛通知<1>.pdf", "application/pdf"), ("检查表.png", "image/png")] * 2)
    page = clerk.get(f"/dept/targets/{targets[TOWNSHIP]}").text
    assert "防汛通知&lt;1&gt;.pdf" in page and "<1>.pdf" not in page

    desk = Desk(tmp_path / "township.db", server, server.add_user("township_staff", TOWNSHIP), "township_staff",
                TOWNSHIP)
    desk.sync.sync_now()
    seen = desk.attachments.list_for("task_target", targets[TOWNSHIP])
    assert sorted(v.filename for v in seen) == ["检查表.png", "防汛通知<1>.pdf"]
    notice = next(v for v in seen if v.mime == "application/pdf")
    desk.attachments.want_file(notice.id)
    desk.sync.sync_now()
    assert desk.attachments.file_path(notice.id).read_bytes() == pdf

    stranger = server.user_client("township_staff", OTHER_TOWNSHIP)
    sha = hashlib.sha256(pdf).hexdigest()
    assert stranger.get(f"/blobs/{sha}").status_code in (403, 404)


def test_attachments_are_checked_by_content_count_and_size_and_nothing_is_half_saved(server):
    clerk = signed_in(server, "department", "150422", dept_code())
    program = b"MZ\x90\x00" + b"\x00" * 400
    r = _issue(clerk, "伪装的附件", [("通知.pdf", program, "application/pdf")], [VILLAGE])
    assert r.status_code == 422
    assert "附件只能是 JPEG、PNG 图片或 PDF 文件（按内容判断）。" in texts(r.text, "field-error")
    r = _issue(clerk, "附件太多", [(f"{i}.png", _png(), "image/png") for i in range(6)], [])
    errors = set(texts(r.text, "field-error"))
    assert r.status_code == 422 and {"附件最多 5 个。", "请至少选择一个乡镇、村或网格。"} <= errors
    with server.session() as s:
        assert not s.scalars(select(Task).where(Task.title.in_(("伪装的附件", "附件太多")))).all()
    assert check_file("big.pdf", b"%PDF-" + b"0" * 100, 50) == "attachment_too_large"
    assert check_file("empty.png", b"", 50) == "attachment_empty"
    kept = check_file("../../etc/扫描件.pdf", b"%PDF-1.4 x", 50)
    assert kept.filename == "扫描件.pdf" and kept.mime == "application/pdf"


def _console(city, username: str) -> TestClient:
    client = TestClient(create_app(city.settings))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/login").text).group(1)
    r = client.post("/console/login", data={"csrf": token, "username": username, "password": PASSWORD,
                                            "next": "/console/"})
    assert r.status_code == 200 and "/login" not in str(r.url)
    return client


def _upload(client: TestClient, build, version: str, signature: str):
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/admin/builds").text).group(1)
    with build.open("rb") as handle:
        return client.post("/console/admin/builds", data={"csrf": token, "version": version, "platform": PLATFORM,
                                                          "signature": signature, "notes": "修复打印<bug>"},
                           files={"file": (build.name, handle, "application/zip")})


def test_the_city_admin_uploads_a_signed_build_and_devices_are_offered_it(city, keys, tmp_path):
    key_file, _public = keys
    build = _fake_build(tmp_path, 2 * 1024 * 1024 + 5)
    admin = city.add_user("city_admin")
    console = _console(city, admin)
    manifest = release.BuildManifest("0.2.0", PLATFORM, *release.file_digest(build))

    other_private, _ = release.new_release_key()
    forged = _upload(console, build, "0.2.0", release.sign(manifest, other_private))
    assert forged.status_code == 422
    assert "签名无效：不是客户端信任的发布密钥对该文件、版本和平台的签名。" in texts(forged.text, "field-error")
    bad = _upload(console, build, "2.x", "")
    assert {"版本号格式应为 1.2.3。", "必填。"} <= set(texts(bad.text, "field-error"))
    with city.session() as s:
        assert s.query(ClientBuild).count() == 0

    done = _upload(console, build, "0.2.0", release.sign(manifest, key_file.read_text().strip()))
    assert done.status_code == 200 and "已保存。" in done.text and "修复打印&lt;bug&gt;" in done.text
    offered = _client(city, tmp_path, []).check()
    assert offered is not None and offered.version == "0.2.0" and offered.size == build.stat().st_size
    again = _upload(console, build, "0.2.0", release.sign(manifest, key_file.read_text().strip()))
    assert "该平台的这个版本已经发布过。" in texts(again.text, "field-error")

    with city.session() as s:
        build_id = s.scalars(select(ClientBuild.id)).one()
    token = re.search(r'name="csrf" value="([^"]+)"', console.get("/console/admin/builds").text).group(1)
    assert console.post(f"/console/admin/builds/{build_id}/withdraw", data={"csrf": token}).status_code == 200
    assert _client(city, tmp_path / "second", []).check() is None
    with city.session() as s:
        logged = s.scalars(select(AuditEntry).where(AuditEntry.entity == "client_build")).all()
    assert sorted(e.action for e in logged) == ["publish", "withdraw"]
    assert all(e.username == admin and e.record_ids == [build_id] for e in logged)
    staff = signed_in(city, "township_admin", TOWNSHIP)
    assert staff.get("/admin/builds").status_code == 403
