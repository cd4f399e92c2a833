"""Actions, menus and toolbars of the main window, declared as data so main_window.py stays small."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle, QToolBar

from paintgan.gui.icons import tool_icon

if TYPE_CHECKING:
    from paintgan.gui.main_window import MainWindow

SP = QStyle.StandardPixmap
# key: (text, shortcuts, method name on the window, standard icon or None); the tooltip is the text
# with the first shortcut (build_actions)
ACTIONS: dict[str, tuple[str, tuple[str, ...], str, SP | None]] = {
    "new": ("&New…", ("Ctrl+N",), "new_document", SP.SP_FileIcon),
    "new_ganpaint": ("New &GANPaint Scene…", ("Ctrl+Shift+G",), "new_ganpaint_scene", None),
    "open": ("&Open…", ("Ctrl+O",), "open_dialog", SP.SP_DialogOpenButton),
    "save": ("&Save", ("Ctrl+S",), "save", SP.SP_DialogSaveButton),
    "save_as": ("Save &As…", ("Ctrl+Shift+S",), "save_as", None),
    "export_png": ("&Export PNG…", ("Ctrl+E",), "export_png", None),
    "recover": ("&Recover Autosaved Documents…", (), "recover_documents", None),
    "close_doc": ("&Close", ("Ctrl+W",), "close_document", None),
    "quit": ("&Quit", ("Ctrl+Q",), "close", None),
    "undo": ("&Undo", ("Ctrl+Z",), "undo", SP.SP_ArrowBack),
    "redo": ("&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "redo", SP.SP_ArrowForward),
    "history": ("&History", (), "show_history", None),
    "zoom_in": ("Zoom &In", ("Ctrl++", "Ctrl+=", "+"), "zoom_in", None),
    "zoom_out": ("Zoom &Out", ("Ctrl+-", "-"), "zoom_out", None),
    "zoom_fit": ("&Fit to Window", ("Ctrl+0",), "zoom_fit", None),
    "zoom_100": ("&Actual Pixels (100%)", ("Ctrl+1",), "zoom_100", None),
    "rotate_left": ("Rotate &Left", ("Ctrl+[",), "rotate_left", None),
    "rotate_right": ("Rotate &Right", ("Ctrl+]",), "rotate_right", None),
    "rotate_reset": ("Reset &Rotation", ("5",), "rotate_reset", None),
    "mirror": ("&Mirror View", ("M",), "toggle_mirror", None),
    "toggle_panels": ("Hide/Show &Panels", ("Tab",), "toggle_panels", None),
    "layer_new": ("&New Layer", ("Ctrl+Shift+N",), "layer_new", None),
    "layer_group": ("New &Group", (), "layer_group", None),
    "layer_duplicate": ("&Duplicate Layer", ("Ctrl+J",), "layer_duplicate", None),
    "layer_delete": ("De&lete Layer", (), "layer_delete", None),
    "layer_merge": ("&Merge Down", ("Ctrl+Shift+E",), "layer_merge_down", None),
    "layer_props": ("Layer &Properties…", (), "layer_properties", None),
    "swap_colors": ("S&wap Colours", ("X",), "swap_colors", None),
    "default_colors": ("&Default Colours", ("D",), "default_colors", None),
    "size_down": ("Brush Size −", ("[",), "size_down", None),
    "size_up": ("Brush Size +", ("]",), "size_up", None),
    "colorize": ("&Colorize…", ("Ctrl+Shift+K",), "colorize_layer", None),
    "open_page": ("Open Page to &Colorize…", (), "open_page_to_colorize", None),
    "show_hints": ("Show Colour &Hints", ("Ctrl+Shift+H",), "toggle_hints", None),
    "ganpaint_send": ("Send GANPaint Picture to &Layer…", (), "ganpaint_send_to_layer", None),
}

# (menu title, items): an ACTIONS key, None for a separator, or "@recent" / "@documents" / "@docks" /
# "@tools" for the parts build_menus fills from the window (recent files, open documents, panels, tools)
MENUS: list[tuple[str, list[str | None]]] = [
    ("&File", ["new", "new_ganpaint", "open", "open_page", "@recent", "save", "save_as", None, "export_png",
               "recover", None, "close_doc", "quit"]),
    ("&Edit", ["undo", "redo", None, "history", None, "swap_colors", "default_colors"]),
    ("&View", ["zoom_in", "zoom_out", "zoom_fit", "zoom_100", None, "rotate_left", "rotate_right",
               "rotate_reset", "mirror", "show_hints", None, "toggle_panels", "@docks"]),
    ("&Layer", ["layer_new", "layer_group", "layer_duplicate", "layer_delete", "layer_merge", None,
                "layer_props", None, "colorize", "ganpaint_send"]),
    ("&Tools", ["@tools", None, "size_down", "size_up"]),
    ("&Window", ["@documents"]),
]


def build_actions(window: MainWindow) -> dict[str, QAction]:
    style = window.style()
    out: dict[str, QAction] = {}
    for key, (text, keys, method, icon) in ACTIONS.items():
        act = QAction(text, window)
        if icon is not None:
            act.setIcon(style.standardIcon(icon))
        if keys:
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setToolTip(f"{text.replace('&', '').rstrip('…')} ({keys[0]})")
        callback: Callable[[], object] = getattr(window, method)
        act.triggered.connect(lambda _checked=False, cb=callback: cb())
        window.addAction(act)
        out[key] = act
    out["mirror"].setCheckable(True)
    out["show_hints"].setCheckable(True)
    out["show_hints"].setChecked(True)
    return out


def build_tool_actions(window: MainWindow) -> dict[str, QAction]:
    group = QActionGroup(window)
    out: dict[str, QAction] = {}
    for tool in window.tools.values():
        act = QAction(tool_icon(tool.name), tool.label, window, checkable=True)
        act.setShortcut(QKeySequence(tool.shortcut))
        act.setToolTip(f"{tool.label} ({tool.shortcut})")
        act.triggered.connect(lambda _checked=False, name=tool.name: window.set_tool(name))
        group.addAction(act)
        window.addAction(act)
        out[tool.name] = act
    return out


def build_menus(window: MainWindow, actions: dict[str, QAction], tool_actions: dict[str, QAction]) -> None:
    bar = window.menuBar()
    for title, items in MENUS:
        menu: QMenu = bar.addMenu(title)
        for item in items:
            if item is None:
                menu.addSeparator()
            elif item == "@recent":
                window.recent_menu = menu.addMenu("Open &Recent")
                window.recent_menu.aboutToShow.connect(window.fill_recent_menu)
            elif item == "@documents":
                window.window_menu = menu
                menu.aboutToShow.connect(window.fill_window_menu)
            elif item == "@docks":
                docks = menu.addMenu("&Panels")
                for dock in window.docks.values():
                    docks.addAction(dock.toggleViewAction())
            elif item == "@tools":
                for act in tool_actions.values():
                    menu.addAction(act)
            else:
                menu.addAction(actions[item])


def build_toolbars(window: MainWindow, actions: dict[str, QAction], tool_actions: dict[str, QAction]) -> None:
    main = QToolBar("Main", window)
    main.setObjectName("toolbar-main")
    for key in ("new", "new_ganpaint", "open", "save", None, "undo", "redo", None, "zoom_fit", "zoom_100",
                "rotate_left", "rotate_right", "mirror"):
        if key is None:
            main.addSeparator()
        else:
            main.addAction(actions[key])
    window.addToolBar(main)
    tools = QToolBar("Tools", window)
    tools.setObjectName("toolbar-tools")
    tools.setIconSize(QSize(28, 28))
    for act in tool_actions.values():
        tools.addAction(act)
    window.addToolBar(tools)
