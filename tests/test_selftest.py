"""The installation smoke test the built bundle runs (`township-desk --self-test`) passes from source."""

from __future__ import annotations

import os
import subprocess
import sys


def test_self_test_passes_from_source(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TD_DATA_DIR=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "--self-test"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "self-test passed" in proc.stdout
    assert list(tmp_path.iterdir()) == [] or not any(p.suffix == ".db" for p in tmp_path.rglob("*"))
