"""`township-desk restore-key` and `township-desk encrypt`: the user's side of local database
protection (app/protection.py) for a PC whose keyring lost the database key, and for an office PC
whose user wants its register encrypted too.

    township-admin$ township-server release-key DEVICE_ID --by ADMIN --reason "重装系统后恢复数据"
    cadre$          township-desk restore-key < key.txt      (the key is read from standard input)
    staff$          township-desk encrypt                    (now, in place; key escrowed at next start)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import paths


def _path(args: argparse.Namespace) -> Path:
    return Path(args.database) if args.database else paths.local_db_path()


def _cmd_restore_key(args: argparse.Namespace) -> int:
    from app.protection import DatabaseKeys, restore_key

    key = sys.stdin.readline().strip()
    restore_key(_path(args), key, DatabaseKeys())  # a wrong key raises a UserFacingError: nothing stored
    print("数据库密钥已恢复，可以正常打开客户端。")
    return 0


def _cmd_encrypt(args: argparse.Namespace) -> int:
    from app.protection import ESCROW_STATE, DatabaseKeys, open_protected, protect
    from db.engine import is_encrypted, session_factory
    from sync.capture import write_state

    path, keys = _path(args), DatabaseKeys()
    if is_encrypted(path):
        print("本机数据库已经加密。")
        return 0
    protect(path, keys)
    engine = open_protected(path, keys)
    with session_factory(engine).begin() as session:
        write_state(session, ESCROW_STATE, "pending")  # sent to the city at the next start
    engine.dispose()
    print("本机数据库已加密，密钥保存在系统凭据管理器中；下次启动时将托管到城市服务器。")
    return 0


def add_commands(sub) -> None:
    """Register `restore-key` and `encrypt` on the `township-desk` argument parser."""
    for name, func, text in (
            ("restore-key", _cmd_restore_key, "从标准输入恢复管理员取回的数据库密钥 / restore a released database key"),
            ("encrypt", _cmd_encrypt, "立即加密本机数据库 / encrypt the local database now")):
        command = sub.add_parser(name, help=text)
        command.add_argument("--database", help="本地数据库文件 / local database file")
        command.set_defaults(func=func)
