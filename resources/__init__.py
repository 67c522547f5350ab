"""Data files shipped with Township Desk (code tables, region extract, later fonts and icons), and
the one place that knows where they live on disk, so code never builds resource paths by hand and
a frozen build only has to keep this folder next to the package."""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent


def resource_path(*parts: str) -> Path:
    """Absolute path of a shipped resource, e.g. `resource_path("codes", "work.json")`; raises
    FileNotFoundError when it is missing so a broken install fails loudly, not with empty tables."""
    path = RESOURCES_DIR.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"resource not found: {'/'.join(parts)}")
    return path


def code_table_files() -> list[Path]:
    """The JSON code-table files under resources/codes, in a stable order."""
    return sorted(resource_path("codes").glob("*.json"))


def region_extract_file() -> Path:
    """The CSV extract of statistical division codes for the demo city."""
    return resource_path("regions", "chifeng_150400.csv")


def code_labels_en() -> dict[str, dict[str, str]]:
    """English labels of the shipped code tables, {table: {code: label}} (resources/codes/en/labels.json)."""
    import json

    return json.loads(resource_path("codes", "en", "labels.json").read_text(encoding="utf-8"))["labels"]
