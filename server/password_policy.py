"""The account password policy, checked wherever a password is set (create-user on the command line,
the users API, and any later password change, all of which go through `accounts.create_user` or call
`check_password` themselves): at least 10 characters, not only digits (a birth date or a phone number
is guessed first), and not the username or the username contained in it. The refusal says which rule
failed, in the server's error catalogue (code "weak_password")."""

from __future__ import annotations

from server.errors import ApiError

MIN_LENGTH = 10
RULES = {
    "short": ("至少{n}个字符", "at least {n} characters"),
    "digits": ("不能全为数字", "not digits only"),
    "username": ("不能包含用户名", "must not contain the username"),
}


def password_problem(username: str, password: str) -> str | None:
    """The rule `password` breaks ("short", "digits", "username"), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "short"
    if password.isdigit():
        return "digits"
    name = username.strip().lower()
    if name and name in password.lower():
        return "username"
    return None


def check_password(username: str, password: str) -> None:
    """Raise ApiError(422, "weak_password") naming the broken rule."""
    problem = password_problem(username, password)
    if problem is not None:
        zh, _en = RULES[problem]
        raise ApiError(422, "weak_password", extra={"rule": problem}, detail=zh.format(n=MIN_LENGTH))
