"""`township-server` commands of the update channel: make a release key, sign a build (both on the
release manager's offline machine), publish a signed build, list and withdraw builds (the city
administrator, on the server). See resources/release_keys/README.md."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from server.cli_words import command, say


def cmd_release_key_new(args) -> int:
    from sync.release import new_release_key

    private, public = new_release_key()
    target = Path(args.private_file)
    if target.exists():
        print(f"{target} 已存在，不会覆盖。", file=sys.stderr)
        return 2
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(private + "\n")
    print(f"私钥已写入 {target}（请离线保管）。公钥（放入 resources/release_keys/*.pub）：")
    print(public)
    return 0


def cmd_sign_build(args) -> int:
    from sync.release import BuildManifest, file_digest, sign

    sha256, size = file_digest(Path(args.file))
    manifest = BuildManifest(args.version, args.platform, sha256, size)
    print(sign(manifest, Path(args.key).read_text(encoding="ascii").strip()))
    return 0


def cmd_publish_build(args) -> int:
    from server.cli import _session, _settings
    from server.updates import PublishRefused, publish

    signature = args.signature
    if Path(signature).is_file():
        signature = Path(signature).read_text(encoding="ascii").strip()
    settings = _settings(args)
    engine, session = _session(settings)
    try:
        with session:
            build = publish(session, settings, Path(args.file), version=args.version, platform=args.platform,
                            signature=signature, published_by=args.by, notes=args.notes or "")
            session.commit()
            print(f"已发布 {build.platform} {build.version}（{build.size} 字节，SHA-256 {build.sha256[:16]}…）")
    except (PublishRefused, OSError) as exc:
        print(f"无法发布：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def cmd_builds(args) -> int:
    from sqlalchemy import select

    from server.cli import _session, _settings
    from server.models import ClientBuild

    engine, session = _session(_settings(args))
    with session:
        builds = session.scalars(select(ClientBuild).order_by(ClientBuild.platform, ClientBuild.published_at)).all()
        for b in builds:
            state = "已撤回" if b.withdrawn else "有效"
            print(f"{b.platform}\t{b.version}\t{b.size}\t{b.published_at:%Y-%m-%d %H:%M}\t{b.published_by}\t{state}")
    engine.dispose()
    return 0


def cmd_withdraw_build(args) -> int:
    from sqlalchemy import update

    from server.cli import _session, _settings
    from server.models import ClientBuild

    engine, session = _session(_settings(args))
    with session:
        done = session.execute(update(ClientBuild).where(ClientBuild.platform == args.platform,
                                                          ClientBuild.version == args.version)
                               .values(withdrawn=True)).rowcount
        session.commit()
    engine.dispose()
    print("已撤回。" if done else "没有这个版本。", file=sys.stdout if done else sys.stderr)
    return 0 if done else 2


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = command(sub, "build-key-new", "生成 Ed25519 发布密钥对（发布管理员，离线）",
                "make an Ed25519 release key pair (release manager, offline)")
    p.add_argument("private_file", help=say("私钥文件", "the private key file to write"))
    p.set_defaults(func=cmd_release_key_new)
    for name, zh, en, func in (
            ("sign-build", "用发布密钥为客户端安装包签名", "sign a client build with the release key", cmd_sign_build),
            ("publish-build", "在更新渠道发布已签名的客户端安装包", "publish a signed client build on the update channel",
             cmd_publish_build)):
        p = command(sub, name, zh, en)
        p.add_argument("file", help=say("安装包文件", "the build file"))
        p.add_argument("--version", required=True, help=say("版本号，如 0.2.0", "e.g. 0.2.0"))
        p.add_argument("--platform", required=True, help=say("平台，如 linux-x86_64、windows-amd64",
                                                             "e.g. linux-x86_64, windows-amd64"))
        if func is cmd_sign_build:
            p.add_argument("--key", required=True, help=say("发布管理员的私钥文件", "the release manager's private key file"))
        else:
            p.add_argument("--signature", required=True, help=say("签名（base64）或存放签名的文件",
                                                                  "signature (base64) or a file holding it"))
            p.add_argument("--by", required=True, help=say("发布的管理员用户名", "the publishing administrator's username"))
            p.add_argument("--notes", help=say("更新说明", "release notes"))
        p.set_defaults(func=func)
    command(sub, "builds", "列出已发布的客户端安装包", "list published client builds").set_defaults(func=cmd_builds)
    p = command(sub, "withdraw-build", "撤回已发布的安装包", "withdraw a published build")
    p.add_argument("version", help=say("版本号", "version"))
    p.add_argument("--platform", required=True, help=say("平台", "platform"))
    p.set_defaults(func=cmd_withdraw_build)
