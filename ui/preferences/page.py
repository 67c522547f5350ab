"""设置: the interface language (applied at the next start, like most desktop programs), the city
server and the signed-in account (logging in enrols this PC: the token goes to the OS keyring
through app/, never into these settings), and preferences such as the automatic sync interval.
The login form shows the server and user name the PC is bound to (read from its enrolment), else
the last ones typed here; on the embedded demo it names the demo's accounts, a click filling it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui import settings as opts
from ui.punctuation import aside, listing
from ui.roles import account_text, role_label

# Refusals that never checked the password: another account waiting for this PC's uploads (decision
# 0045), a city server that could not be reached. The typed password is kept for the next try.
KEEP_PASSWORD_ON = frozenset({"unsent_before_switch", "server_unreachable"})


class SettingsPage(QWidget):
    def __init__(self, settings: opts.Settings, account_text: str, runner, dialogs, on_error,
                 enrolment=None, parent: QWidget | None = None, on_logged_in=None,
                 demo: tuple[tuple[tuple[str, str], ...], str] = ((), "")) -> None:
        super().__init__(parent)
        self._demo_accounts, self._demo_password = demo
        self._on_logged_in = on_logged_in
        self._settings = settings
        self._runner = runner
        self._dialogs = dialogs
        self._on_error = on_error
        self._enrolment = enrolment
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        for box in (self._language_box(), self._server_box(account_text), self._preferences_box()):
            box.setMaximumWidth(720)  # long empty fields across a 1366-pixel screen read badly
            layout.addWidget(box)
        layout.addStretch(1)
        if enrolment is not None:  # the server and account this PC is bound to, read off the GUI thread
            runner.run_db(enrolment.current, self._show_enrolment)

    def _language_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("界面语言"))
        self.language = QComboBox()
        self.language.addItem("简体中文", "zh_CN")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(self.language.findData(self._settings.get(opts.LANGUAGE)), 0))
        self.language.currentIndexChanged.connect(self._language_chosen)
        form = QFormLayout(box)
        form.addRow(self.tr("语言"), self.language)
        form.addRow(QLabel(self.tr("更改语言后，重新启动程序生效。")))
        return box

    def _server_box(self, account_text: str) -> QGroupBox:
        box = QGroupBox(self.tr("城市服务器与账号"))
        self.account = QLabel(account_text)
        self.server_url = QLineEdit(self._settings.get(opts.SERVER_URL))
        self.server_url.setPlaceholderText("https://city.example.gov.cn")
        self.username = QLineEdit(self._settings.get(opts.USERNAME))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.login_button = QPushButton(self.tr("登录并绑定本机"))
        self.login_button.clicked.connect(self.log_in)
        self.login_button.setEnabled(self._enrolment is not None)
        form = QFormLayout(box)
        form.addRow(self.tr("当前账号"), self.account)
        form.addRow(self.tr("服务器地址"), self.server_url)
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("密码"), self.password)
        form.addRow("", self.login_button)
        self.demo_accounts = self._demo_accounts_label() if self._demo_accounts else None
        if self.demo_accounts is not None:
            form.addRow(self.demo_accounts)
        return box

    def _demo_accounts_label(self) -> QLabel:
        """演示账号（密码均为 …）: each a link that fills the user name and password."""
        names = listing(f'<a href="{name}">{name}</a>{aside(role_label(role))}' for name, role in self._demo_accounts)
        label = QLabel(self.tr("演示账号（密码均为 %1）：").replace("%1", self._demo_password) + names)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.linkActivated.connect(self._fill_demo_account)
        return label

    def _fill_demo_account(self, username: str) -> None:
        self.username.setText(username)
        self.password.setText(self._demo_password)

    def _show_enrolment(self, enrolment, error) -> None:
        if error is not None or enrolment is None:  # a guest PC: the last server and name typed here
            return
        self.server_url.setText(enrolment.server_url)
        self.username.setText(enrolment.username)

    def _preferences_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("偏好"))
        self.auto_sync = QSpinBox()
        self.auto_sync.setRange(0, 240)
        self.auto_sync.setSuffix(self.tr(" 分钟"))
        self.auto_sync.setSpecialValueText(self.tr("不自动同步"))
        self.auto_sync.setValue(self._settings.get(opts.AUTO_SYNC_MINUTES))
        self.auto_sync.valueChanged.connect(lambda v: self._settings.set(opts.AUTO_SYNC_MINUTES, int(v)))
        self.debounce = QSpinBox()
        self.debounce.setRange(50, 1000)
        self.debounce.setSingleStep(50)
        self.debounce.setSuffix(self.tr(" 毫秒"))
        self.debounce.setValue(self._settings.get(opts.SEARCH_DEBOUNCE_MS))
        self.debounce.valueChanged.connect(lambda v: self._settings.set(opts.SEARCH_DEBOUNCE_MS, int(v)))
        form = QFormLayout(box)
        form.addRow(self.tr("自动同步间隔"), self.auto_sync)
        form.addRow(self.tr("搜索输入停顿"), self.debounce)
        return box

    def _language_chosen(self) -> None:
        self._settings.set(opts.LANGUAGE, self.language.currentData())
        self._dialogs.info(self, self.tr("界面语言"), self.tr("已保存。重新启动程序后使用新的界面语言。"))

    def log_in(self) -> None:
        url, user, password = self.server_url.text().strip(), self.username.text().strip(), self.password.text()
        if not (url and user and password):
            self._dialogs.info(self, self.tr("登录"), self.tr("请填写服务器地址、用户名和密码。"))
            return
        self._settings.set(opts.SERVER_URL, url)
        self._settings.set(opts.USERNAME, user)
        self.login_button.setEnabled(False)
        self._runner.run_network(lambda: self._enrolment.enrol(url, user, password), self._logged_in)

    def _logged_in(self, enrolment, error) -> None:
        self.login_button.setEnabled(True)
        if error is not None:
            # The typed password stays (masked) when it was never checked: a switch refused until the
            # uploads are done (it never left the PC) or a server that did not answer — the user
            # syncs or reconnects and presses 登录 again. A password the server refused is cleared.
            if getattr(error, "code", None) not in KEEP_PASSWORD_ON:
                self.password.clear()
            self._on_error(error)
            return
        self.password.clear()
        self.account.setText(account_text(enrolment.username, enrolment.role, enrolment.scope))
        self._dialogs.info(self, self.tr("登录"), self.tr("登录成功，本机已绑定。现在按新账号重新打开。"))
        if self._on_logged_in is not None:
            self._on_logged_in()
