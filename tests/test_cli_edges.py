"""The command line where a new user first meets it: no display, no terminal for the password, Ctrl+D at
the prompt. Each gets one clear sentence and exit code 2 — never a Qt abort or a traceback — and
nothing is written before the refusal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(TD_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT), **extra)
    return env


def _run(tmp_path: Path, *args: str, stdin=subprocess.DEVNULL, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=ROOT, env=_env(tmp_path, **extra),
                          stdin=stdin, capture_output=True, text=True, timeout=120)


def test_no_display_is_one_clear_message(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 2, done.stderr
    assert "没有可用的图形显示" in done.stderr and "xvfb-run" in done.stderr
    assert "Traceback" not in done.stderr and "xcb" not in done.stderr.replace("xvfb", "")


def test_login_without_a_terminal_refuses_before_writing(tmp_path):
    done = _run(tmp_path, "login", "--server", "http://127.0.0.1:9", "--user", "li_si")
    assert done.returncode == 2 and "没有可输入密码的终端" in done.stderr and "--password-stdin" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*.db"))


def test_empty_password_stdin_is_refused(tmp_path):
    done = _run(tmp_path, "login", "--server", "http://127.0.0.1:9", "--user", "li_si", "--password-stdin")
    assert done.returncode == 2 and "没有输入密码" in done.stderr and "Traceback" not in done.stderr


def test_ctrl_d_at_the_password_prompt(tmp_path):
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "ui.cli", "login", "--server", "http://127.0.0.1:9",
                                "--user", "li_si"], cwd=ROOT, env=_env(tmp_path), stdin=child,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    os.close(child)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            os.write(main, b"\x04")  # Ctrl+D: end of input at the prompt
            time.sleep(0.3)
        _out, err = process.communicate(timeout=60)
    finally:
        os.close(main)
    assert process.returncode == 2, err
    assert "没有输入密码" in err and "Traceback" not in err
