"""The demo's in-memory keyring is the demo's alone: importing the demo's commands leaves keyring's
own backend choice alone, so a machine without a secure keyring still gets the refusal."""

from __future__ import annotations

import os
import subprocess
import sys

import keyring.backend

from demo.cli import ProcessKeyring


def test_importing_the_demo_does_not_offer_its_keyring_to_discovery():
    code = ("import keyring, demo.cli; from keyring.backend import get_all_keyring\n"
            "print(type(keyring.get_keyring()).__name__)\n"
            "print(any(type(k).__name__ == 'ProcessKeyring' for k in get_all_keyring()))\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] != "ProcessKeyring"
    assert out[1] == "False"
    assert ProcessKeyring not in keyring.backend.get_all_keyring()


def test_the_demo_keyring_works_when_handed_over():
    ring = ProcessKeyring()
    ring.set_password("svc", "user", "secret")
    assert ring.get_password("svc", "user") == "secret"
    ring.delete_password("svc", "user")
    assert ring.get_password("svc", "user") is None
