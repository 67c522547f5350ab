"""Masking for the client lists, delegating to the shared rules in app/rules/masking.py."""

from __future__ import annotations


def mask_id(value: str | None) -> str:
    """`110101********1234`: first 6 and last 4 kept (GLOSSARY.md "Personal data rules")."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """`138****5678`."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
