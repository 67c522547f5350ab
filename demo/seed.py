"""`township-server seed-demo`: the demo township, its regions, an intake channel and one demo user
of every role, for trying the product out.

Lives in the demo package beside the generator; the server's command line imports it lazily, only
in its `seed-demo` command, so the service path never loads the demo (or the client's app/ it
uses). Generated rows are bulk-inserted (not pushed), then adopted by the sync store so pull and
snapshot serve them."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from app.services.context import beijing_now
from db.models import Region
from demo import DEMO_TOWNSHIP, generate_township
from demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from server.accounts import create_user
from server.adopt import adopt_unversioned
from server.codes import seed_city_codes
from server.config import Settings
from server.db import make_server_engine, session_factory, upgrade
from server.intake_keys import create_channel_key
from server.models import User


@dataclasses.dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    scope: str
    department: str | None = None


def demo_users(township: str, village: str, grid: str) -> list[DemoUser]:
    scopes = {"city_admin": "", "department": township[:6], "township_admin": township,
              "township_staff": township, "village_cadre": village, "grid_worker": grid, "leader": ""}
    return [DemoUser(name, role, scopes[role], "mz" if role == "department" else None)
            for name, role in DEMO_ACCOUNTS]


def _first_code(session, prefix: str, level: int) -> str:
    code = session.scalar(select(Region.code).where(Region.code.startswith(prefix), Region.level == level)
                          .order_by(Region.code).limit(1))
    return code or prefix


def seed_demo(settings: Settings, households: int | None = None, password: str = DEMO_PASSWORD) -> int:
    engine = make_server_engine(settings.database_url)
    upgrade(engine)
    with session_factory(engine)() as session:
        if session.scalar(select(User).where(User.username == "demo_admin")) is not None:
            print("演示数据已存在，未重复生成。")
            return 0
        inserted, _updated = seed_city_codes(session)  # what init-db does, in the same process
        if inserted:
            print(f"代码表：新增 {inserted} 项。")
        # As of this moment (Beijing): the demo inbox then holds work due today, upcoming, overdue and
        # done, nothing dated later than now, and the demo village's open tasks and cases.
        summary = generate_township(session, households=households, as_of=beijing_now().replace(microsecond=0),
                                    scale=1.0 if households is None else households / 12_000)
        adopted = adopt_unversioned(session)
        village = _first_code(session, DEMO_TOWNSHIP, 5)
        grid = _first_code(session, village, 6)
        users = demo_users(DEMO_TOWNSHIP, village, grid)
        for user in users:
            create_user(session, settings, user.username, password, user.role, user.scope, user.department)
        key = create_channel_key(session, settings, "12345", "12345政务服务便民热线", "1")
        session.commit()
    engine.dispose()
    print(f"已生成演示乡镇：{summary}")
    print(f"同步存储已接管 {adopted} 条记录。")
    print(f"演示用户（密码均为 {password}）：")
    for user in users:
        extra = f"，部门 {user.department}" if user.department else ""
        print(f"  {user.username:<11} {user.role:<15} 范围 {user.scope or '全市'}{extra}")
    print(f"12345 热线渠道接入密钥：{key}")
    return 0
