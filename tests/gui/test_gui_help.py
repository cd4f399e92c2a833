"""Help ▸ Keyboard Shortcuts lists the real actions (and is searchable); About names the versions;
no two enabled actions share a key (an ambiguous shortcut fires neither)."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtGui import QAction

from paintgan.gui.help import ShortcutsDialog, about_text, shortcut_rows


def test_shortcuts_dialog_lists_actions_and_filters(window) -> None:  # type: ignore[no-untyped-def]
    rows = shortcut_rows(window)
    names = {r[0]: r for r in rows}
    assert names["Select All"][1] == "Ctrl+A" and names["Select All"][2] == "Select"
    assert names["Copy"][1] == "Ctrl+C" and names["Undo"][1] == "Ctrl+Z"
    assert "Rectangle selection" in names and "Transform" in names
    dlg = ShortcutsDialog(window)
    dlg.search.setText("selection")
    shown = dlg.visible_actions()
    assert "Invert Selection" in shown and "Undo" not in shown
    dlg.search.setText("ctrl+t")
    assert dlg.visible_actions() == ["Transform"]
    dlg.close()


def test_no_ambiguous_shortcuts(window) -> None:  # type: ignore[no-untyped-def]
    owners: dict[str, list[str]] = defaultdict(list)
    for act in window.findChildren(QAction):
        if not act.isEnabled():
            continue
        for k in act.shortcuts():
            if not k.isEmpty():
                owners[k.toString()].append(act.text())
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    assert not clashes


def test_about_names_versions() -> None:
    text = about_text()
    assert "PaintGAN" in text and "Qt " in text and "ONNX Runtime" in text and "Models:" in text
