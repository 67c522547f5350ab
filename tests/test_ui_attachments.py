"""附件 in the real main window (pytest-qt, demo township, scripted dialogs): on a case the clerk
adds a phone photo through the file dialog and a picture by pasting, sees thumbnails with 待上传,
opens a photo, and brings back the printed case form as a signed scan, which the app links to the
same case (its QR code read off the page) with what changed since printing. A wrong file is
refused with a clear message and nothing is added."""

# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import subprocess

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage
from sqlalchemy import select

from app.client.startup import ClientServices
from app.sync_service import OutboxReview
from db.models import Attachment, Case
from tests.attachment_support import phone_photo
from tests.ui_support import ScriptedDialogs, ScriptedForms, context, demo_template, settings  # noqa: F401
from ui.app import Shell, build_main_window
from ui.tasks import ImmediateTaskRunner


def _case_detail(qtbot, context, settings, tmp_path):
    dialogs = ScriptedDialogs()
    services = ClientServices(context=context, outbox=OutboxReview(context.sessions, context.actor))
    shell = Shell(context, ImmediateTaskRunner(), settings, dialogs, ScriptedForms(), services, documents_dir=tmp_path)
    window = build_main_window(shell)
    qtbot.addWidget(window)
    with context.sessions() as s:
        case = s.scalars(select(Case).where(Case.deleted.is_(False)).order_by(Case.case_no)).first()
    detail = window.show_page("cases").detail
    detail.open(case.id)
    detail.tabs.setCurrentWidget(detail.attachments)
    return detail, dialogs, case


def test_photos_added_by_dialog_and_paste_show_as_thumbnails(qtbot, context, settings, tmp_path):
    detail, dialogs, case = _case_detail(qtbot, context, settings, tmp_path)
    strip = detail.attachments
    dialogs.paths.append(str(phone_photo(tmp_path / "IMG_0001.jpg", size=(1600, 1200))))
    strip.add_button.click()
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(0x3366AA)
    QGuiApplication.clipboard().setImage(image)
    strip.paste()
    assert strip.list.count() == 2
    texts = [strip.list.item(i).text() for i in range(2)]
    assert texts[0] == "IMG_0001.jpg\n待上传" and texts[1].endswith("待上传")
    assert all(not strip.list.item(i).icon().isNull() for i in range(2))
    strip.open_item(0)
    assert strip.viewer.isVisible() and strip.viewer.windowTitle() == "IMG_0001.jpg"  # the photo, in the app
    assert "拍摄于 2026-11-26 09:41" in strip.viewer.caption.text() and not strip.viewer.image.pixmap().isNull()
    strip.viewer.close()

    mime = QMimeData()  # a file dropped from the file manager
    mime.setUrls([QUrl.fromLocalFile(str(phone_photo(tmp_path / "IMG_0003.jpg", size=(640, 480), seed=3)))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    strip.dropEvent(drop)
    assert strip.list.count() == 3 and strip.list.item(2).text() == "IMG_0003.jpg\n待上传"

    (tmp_path / "notes.txt").write_text("会议纪要")
    dialogs.paths.append(str(tmp_path / "notes.txt"))
    strip.add_button.click()
    assert dialogs.shown[-1][0] == "error" and "不支持的附件类型" in dialogs.shown[-1][2]
    assert strip.list.count() == 3


def test_a_signed_scan_comes_back_to_the_case(qtbot, context, settings, tmp_path):
    detail, dialogs, case = _case_detail(qtbot, context, settings, tmp_path)
    result = context.reports.print_case_form(case.id, tmp_path / "case.pdf", "存档")
    subprocess.run(["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", "-singlefile", str(result.path),
                    str(tmp_path / "signed")], check=True)
    dialogs.paths.append(str(tmp_path / "signed.png"))
    detail.attachments.scan_button.click()
    kind, title, text = dialogs.shown[-1]
    assert kind == "info" and "已关联到打印时的记录" in text and "打印后记录没有变化" in text
    with context.sessions() as s:
        [scan] = s.scalars(select(Attachment).where(Attachment.owner_id == case.id)).all()
    assert scan.printed_version and "签字页扫描件" in scan.caption
    assert detail.attachments.list.count() == 1


def test_the_states_follow_a_sync(qtbot, context, settings, tmp_path):
    from db.client import BlobTransfer

    detail, dialogs, case = _case_detail(qtbot, context, settings, tmp_path)
    dialogs.paths.append(str(phone_photo(tmp_path / "IMG_0002.jpg", size=(800, 600))))
    detail.attachments.add_button.click()
    [view] = detail.attachments.views
    with context.sessions.begin() as s:  # what the sync's blob step writes as the bytes go up
        s.get(BlobTransfer, view.id).state, s.get(BlobTransfer, view.id).done = "uploading", view.size // 2
    detail.window().sync_bar.sync_finished.emit(None)
    assert detail.attachments.list.item(0).text() == "IMG_0002.jpg\n上传中 50%"
    with context.sessions.begin() as s:
        s.get(BlobTransfer, view.id).state = "uploaded"
    detail.window().sync_bar.sync_finished.emit(None)
    assert detail.attachments.list.item(0).text() == "IMG_0002.jpg\n已上传"


def test_upload_progress_moves_while_the_sync_is_still_sending(qtbot, context, settings, tmp_path):
    """The upload step notes each chunk it sends; the strip reads the state again while a file of the
    record is waiting or going up, so 上传中 x% moves during a long upload, and stops reading once
    everything is up."""
    import math

    from db.client import BlobTransfer

    detail, dialogs, _case = _case_detail(qtbot, context, settings, tmp_path)
    strip = detail.attachments
    detail.window().show()  # the strip reads again only while the user can see it
    strip._watch.setInterval(50)
    dialogs.paths.append(str(phone_photo(tmp_path / "IMG_0009.jpg", size=(1600, 1200))))
    strip.add_button.click()
    assert strip.list.item(0).text() == "IMG_0009.jpg\n待上传" and strip._watch.isActive()
    attachment_id = strip.views[0].id

    def sent(fraction: float, state: str = "uploading") -> None:  # what sync/attachments.py notes per chunk
        with context.sessions.begin() as s:
            row = s.get(BlobTransfer, attachment_id)
            row.state, row.done = state, math.ceil(row.size * fraction)

    sent(0.25)
    qtbot.waitUntil(lambda: strip.list.item(0).text() == "IMG_0009.jpg\n上传中 25%", timeout=3000)
    sent(0.75)
    qtbot.waitUntil(lambda: strip.list.item(0).text() == "IMG_0009.jpg\n上传中 75%", timeout=3000)
    sent(1.0, "uploaded")
    qtbot.waitUntil(lambda: strip.list.item(0).text() == "IMG_0009.jpg\n已上传", timeout=3000)
    assert not strip._watch.isActive()
