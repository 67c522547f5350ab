"""Translations of the desktop client. Source strings in the code are Simplified Chinese (the
default language), so zh_CN needs no catalogue of ours; English lives in
`resources/i18n/township_desk_en.ts`, extracted from ui/ with pyside6-lupdate and compiled to `.qm`
with pyside6-lrelease at build time (`python -m ui.i18n compile`). When a `.qm` is missing or older
than its `.ts` (a source checkout), it is compiled on the fly into a cache directory at startup.
Messages of app/ services come from app/messages.py in the same language (decision 0002).

Qt's own words (standard buttons, the file dialog, the context menu of a line edit) come from Qt's
`qtbase_<lang>.qm`, which PySide6 ships; a frozen build also carries them in `resources/i18n/qt`
(build.spec). Strings Qt 6.12 asks that its shipped Chinese catalogue lacks (the file dialog's
"&Look in:" …) are in `resources/i18n/qt_extra_zh_CN.ts`, kept by hand and compiled like ours.

    python -m ui.i18n update     # re-extract strings from ui/ into the .ts files
    python -m ui.i18n compile    # .ts -> .qm next to them (the build step)
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).resolve().parent.parent / "resources" / "i18n"
UI_DIR = Path(__file__).resolve().parent
CATALOGUE = "township_desk"
TRANSLATED_LANGUAGES = ("en",)
QT_EXTRA = "qt_extra"  # Qt's own strings its shipped catalogue leaves untranslated
QT_EXTRA_LANGUAGES = ("zh_CN",)
UI_LANGUAGES = ("zh_CN", "en")
BUNDLED_QT_DIR = I18N_DIR / "qt"  # Qt's qtbase_*.qm as a frozen build carries them (build.spec)


def ts_path(language: str, catalogue: str = CATALOGUE) -> Path:
    return I18N_DIR / f"{catalogue}_{language}.ts"


def qt_translation_files() -> list[Path]:
    """Qt's own catalogues for the interface languages, where PySide6 keeps them (build.spec ships them)."""
    qt_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    return [qt_dir / f"qtbase_{language}.qm" for language in UI_LANGUAGES]


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    # pip installs the PySide6 tool wrappers beside the interpreter even when PATH lacks them.
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    raise FileNotFoundError(f"{name} not found (it ships with PySide6-Essentials)")


def compile_ts(ts: Path, qm: Path) -> Path:
    qm.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([_tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)
    return qm


def qm_for(language: str, cache_dir: Path | None = None, catalogue: str = CATALOGUE) -> Path | None:
    """A compiled catalogue for `language`, compiling it into `cache_dir` when the shipped one is
    missing or stale; None when the language has no such catalogue (ours for zh_CN: the source)."""
    ts = ts_path(language, catalogue)
    shipped = ts.with_suffix(".qm")
    if not ts.exists() and not shipped.exists():
        return None
    if shipped.exists() and (not ts.exists() or shipped.stat().st_mtime >= ts.stat().st_mtime):
        return shipped
    # Named by the source's content: checkouts of different versions share the temporary directory, and a
    # newer file of another checkout's .ts would otherwise pass for this one's (strings missing at random).
    digest = hashlib.sha256(ts.read_bytes()).hexdigest()[:16]
    cached = Path(cache_dir or Path(tempfile.gettempdir()) / "township-desk-i18n") / f"{shipped.stem}-{digest}.qm"
    if cached.exists():
        return cached
    partial = compile_ts(ts, cached.with_name(f"{cached.name}.{os.getpid()}.part"))
    partial.replace(cached)  # whole or absent: another process may be reading the cache meanwhile
    return cached


def install(app: QCoreApplication, language: str, cache_dir: Path | None = None) -> list[QTranslator]:
    """Install our catalogue and Qt's own (standard buttons) for `language`; returns the
    translators so the caller keeps them alive and can remove them when the language changes."""
    installed: list[QTranslator] = []
    qt_translator = QTranslator(app)
    for qt_dir in (QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath), str(BUNDLED_QT_DIR)):
        if qt_translator.load(QLocale(language), "qtbase", "_", qt_dir):
            app.installTranslator(qt_translator)
            installed.append(qt_translator)
            break
    else:
        log.warning("Qt's own translations (qtbase) for %s not found", language)
    for catalogue in (QT_EXTRA, CATALOGUE):  # installed later = asked first; the two never share a string
        translator = _load(app, language, cache_dir, catalogue)
        if translator is not None:
            app.installTranslator(translator)
            installed.append(translator)
    return installed


def _load(app: QCoreApplication, language: str, cache_dir: Path | None, catalogue: str) -> QTranslator | None:
    try:
        qm = qm_for(language, cache_dir, catalogue)
    except (OSError, subprocess.CalledProcessError):  # no pyside6-lrelease here: the window opens untranslated
        log.warning("could not compile translation catalogue %s_%s", catalogue, language, exc_info=True)
        return None
    if qm is None:
        return None
    translator = QTranslator(app)
    if translator.load(str(qm)):
        return translator
    log.warning("could not load translation catalogue %s", qm.name)
    return None


def update() -> None:
    """Re-extract every translatable string of ui/ into the .ts files, keeping translations."""
    sources = sorted(str(p) for p in UI_DIR.rglob("*.py"))
    for language in TRANSLATED_LANGUAGES:
        subprocess.run([_tool("pyside6-lupdate"), "-silent", "-no-obsolete", *sources,
                        "-source-language", "zh_CN", "-target-language", language,
                        "-ts", str(ts_path(language))], check=True)


def compile_all() -> list[Path]:
    sources = [ts_path(lang) for lang in TRANSLATED_LANGUAGES] + [ts_path(lang, QT_EXTRA) for lang in QT_EXTRA_LANGUAGES]
    return [compile_ts(ts, ts.with_suffix(".qm")) for ts in sources]


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
    elif argv[:1] == ["compile"]:
        for qm in compile_all():
            print(qm)
    else:
        print("usage: python -m ui.i18n update|compile", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
