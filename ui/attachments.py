"""附件: the files on one record (a case, a task's village copy, a household) as thumbnails with each
file's sync state (待上传, 上传中 x%, 已上传, 仅缩略图, 未下载), added by the file dialog, by dropping
files on the strip or by pasting (a file or a picture from the clipboard); double-click opens a
photo in the viewer and a PDF in the system's (one not downloaded yet is fetched by the next sync); 全部下载到本机 marks
every file of the record for the next sync. With `scans`, a
signed page scanned after printing is added through `添加签字扫描件…`: its QR code (or the number
typed) finds the record, and the changes since printing are shown. All work runs on the runner."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserFacingError

FILE_FILTER = "照片和扫描件 (*.jpg *.jpeg *.png *.pdf);;所有文件 (*)"
WATCH_MS = 2000


class PhotoViewer(QDialog):
    """A photo at screen size with its caption and the time it was taken; PDFs open in the system
    viewer instead (it prints and zooms them better than we would)."""

    def __init__(self, view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(view.filename)
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pixmap = QPixmap(view.file_path)
        self.image.setPixmap(pixmap.scaled(1200, 800, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation))
        scroll = QScrollArea()
        scroll.setWidget(self.image)
        scroll.setWidgetResizable(True)
        taken = f"{view.taken_at:%Y-%m-%d %H:%M}" if view.taken_at else ""
        self.caption = QLabel("　".join(x for x in (view.caption, taken and self.tr("拍摄于 %1").replace("%1", taken),
                                                    view.added_by) if x))
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.caption)
        self.resize(1000, 760)


class AttachmentStrip(QWidget):
    added = Signal()  # files were added (the owner's lists may show a paper-clip)

    def __init__(self, service: Callable[[], object], runner, dialogs, on_error, scans: Callable[[], object] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service, self._scans, self._runner, self._dialogs, self._on_error = service, scans, runner, dialogs, on_error
        self.owner: tuple[str, str] | None = None
        self.views: list = []
        self.viewer: PhotoViewer | None = None
        self.list = QListWidget()
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(120, 90))
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setWordWrap(True)
        self.list.itemDoubleClicked.connect(lambda item: self.open_item(self.list.row(item)))
        self.add_button = QPushButton(self.tr("添加照片或文件…"))
        self.add_button.clicked.connect(self.choose_files)
        self.scan_button = QPushButton(self.tr("添加签字扫描件…"))
        self.scan_button.clicked.connect(self.choose_scan)
        self.scan_button.setVisible(scans is not None)
        self.keep_button = QPushButton(self.tr("全部下载到本机"))
        self.keep_button.setToolTip(self.tr("下次同步时下载本记录的全部附件原件，以便离线查看"))
        self.keep_button.clicked.connect(self.keep_all)
        hint = QLabel(self.tr("可将文件拖到此处，或按 Ctrl+V 粘贴。"))
        hint.setStyleSheet("color: #666;")
        hint.setWordWrap(True)  # on one line it held the case panel wider than the English case list could bear
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.scan_button)
        row.addWidget(self.keep_button)
        row.addWidget(hint, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.list, 1)
        self.setAcceptDrops(True)
        QShortcut(QKeySequence.StandardKey.Paste, self, activated=self.paste)
        # While a file of this record waits or goes up, its state is read again every few seconds:
        # the sync's upload step notes each chunk, so 上传中 x% moves during the cycle, not after it.
        self._watch = QTimer(self)
        self._watch.setInterval(WATCH_MS)
        self._watch.timeout.connect(self._watch_upload)

    def set_owner(self, entity: str, record_id: str) -> None:
        self.owner = (entity, record_id)
        self.reload()

    def reload(self) -> None:
        if self.owner is None:
            return
        owner = self.owner
        self._runner.run_db(lambda: self._service().list_for(*owner), self._show)

    def _show(self, views, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.views = list(views)
        if any(view.state in ("pending", "uploading") for view in self.views):
            self._watch.start()
        else:
            self._watch.stop()
        self.list.clear()
        for view in self.views:
            item = QListWidgetItem(f"{view.filename}\n{self.state_text(view)}")
            if view.thumb_path:
                item.setIcon(QIcon(QPixmap(view.thumb_path)))
            item.setToolTip(view.caption or view.filename)
            self.list.addItem(item)

    def _watch_upload(self) -> None:
        if self.isVisible():
            self.reload()

    def state_text(self, view) -> str:
        return {"pending": self.tr("待上传"), "uploading": self.tr("上传中 %1%").replace("%1", str(view.percent)),
                "uploaded": self.tr("已上传"), "held": self.tr("待上传"), "thumb": self.tr("仅缩略图"),
                "full": self.tr("已下载"), "remote": self.tr("未下载")}.get(view.state, view.state)

    # adding

    def choose_files(self) -> None:
        path = self._dialogs.open_path(self, self.tr("添加附件"), FILE_FILTER)
        if path:
            self.add_paths([path])

    def add_paths(self, paths: list[str]) -> None:
        if self.owner is None or not paths:
            return
        entity, record_id = self.owner
        service = self._service

        def job():
            return [service().add(entity, record_id, path) for path in paths]

        self._runner.run_db(job, self._after_add)

    def _after_add(self, _views, error) -> None:
        if error is not None:
            self._on_error(error)
        else:
            self.added.emit()
        self.reload()

    def dragEnterEvent(self, event) -> None:  # noqa: N802  (Qt's name)
        if event.mimeData().hasUrls() and self.owner is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        self.add_paths([url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()])

    def paste(self) -> None:
        data = QGuiApplication.clipboard().mimeData()
        if data.hasUrls():
            self.add_paths([url.toLocalFile() for url in data.urls() if url.isLocalFile()])
        elif data.hasImage():
            target = Path(tempfile.mkdtemp(prefix="td-paste-")) / "粘贴的图片.png"
            QGuiApplication.clipboard().image().save(str(target), "PNG")
            self.add_paths([str(target)])

    # opening

    def keep_all(self) -> None:
        if self.owner is None:
            return
        owner = self.owner
        self._runner.run_db(lambda: self._service().want_all(*owner), self._marked)

    def _marked(self, _count, error) -> None:
        if error is not None:
            self._on_error(error)
        self.reload()

    def open_item(self, row: int) -> None:
        if not 0 <= row < len(self.views):
            return
        attachment_id = self.views[row].id
        self._runner.run_db(lambda: self._service().file_path(attachment_id), self._opened)

    def _opened(self, path, error) -> None:
        if error is not None:
            self._on_error(error)
            self.reload()
            return
        view = next((v for v in self.views if v.file_path == str(path)), None)
        if view is not None and view.mime.startswith("image/"):
            self.viewer = PhotoViewer(view, self)
            self.viewer.show()
        else:
            self._dialogs.open_file(str(path))

    # the paper round trip

    def choose_scan(self) -> None:
        path = self._dialogs.open_path(self, self.tr("添加签字扫描件"), FILE_FILTER)
        if path:
            self.attach_scan(path)

    def attach_scan(self, path: str, number: str = "") -> None:
        scans = self._scans
        self._runner.run_db(lambda: scans().attach_scan(path, number), lambda r, e: self._scanned(path, r, e))

    def _scanned(self, path: str, result, error) -> None:
        if isinstance(error, UserFacingError) and error.code == "scan_no_code":
            number = self._dialogs.ask_text(self, self.tr("添加签字扫描件"),
                                            self.tr("未识别到二维码，请输入表单上的编号（事件编号、户编号或任务编号）："))
            if number and number.strip():
                self.attach_scan(path, number.strip())
            return
        if error is not None:
            self._on_error(error)
            return
        changed = "\n".join(result.changes) if result.changes else self.tr("打印后记录没有变化。")
        self._dialogs.info(self, self.tr("签字扫描件已关联"),
                           self.tr("已关联到打印时的记录。打印后的变化：\n%1").replace("%1", changed))
        self.reload()
        self.added.emit()
