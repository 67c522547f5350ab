"""`python -m ui.screenshots DIR` shows every screen in English as the English desktop does: its
English register showed 户主, 男, 在册, 家庭户 in the member table under English headings (the
script installed the catalogue but left code labels Chinese, which the desktop switches at start)."""

from __future__ import annotations

from app.codes import CodeBook


def test_english_screenshots_show_code_labels_in_english(tmp_path, monkeypatch):
    import ui.screenshots as shots

    book, seen, save = CodeBook.from_resources(), [], shots._save

    def saving(widget, path):
        seen.append(book.label("gender", "1"))
        return save(widget, path)

    monkeypatch.setattr(shots, "_save", saving)
    shots.render_all(tmp_path, "en", households=40)
    assert seen and set(seen) == {"Male"}
    assert book.label("gender", "1") == "男"  # the language is given back after
