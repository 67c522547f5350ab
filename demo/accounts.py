"""The demo's accounts: one of every role, each with the published demo password. `township-server
seed-demo` creates them on the demo server (demo/seed.py, with their scopes); the one-command demo
logs in as the township clerk and hands the desktop ones to the window, whose settings page names
them — the only login form that names accounts, and only on the embedded demo."""

from __future__ import annotations

DEMO_PASSWORD = "demo-pass-2024"
DEMO_USER = "demo_staff"  # the account the one-command demo logs in as
DEMO_ACCOUNTS = (  # (username, role)
    ("demo_staff", "township_staff"),
    ("demo_cadre", "village_cadre"),
    ("demo_grid", "grid_worker"),
    ("demo_admin", "township_admin"),
    ("demo_mz", "department"),
    ("demo_city", "city_admin"),
    ("demo_leader", "leader"),  # the city console's read-only outcome pages
)
CONSOLE_ONLY_ROLES = ("leader",)


def desktop_accounts() -> tuple[tuple[str, str], ...]:
    """The demo accounts that log in on the desktop client."""
    return tuple((name, role) for name, role in DEMO_ACCOUNTS if role not in CONSOLE_ONLY_ROLES)
