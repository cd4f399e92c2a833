"""Foreground/background colours and the recent-colours list, shared by the palette and the tools."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

RGB = tuple[int, int, int]
MAX_RECENT = 16


def to_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def from_hex(text: str) -> RGB | None:
    c = QColor(text.strip() if text.strip().startswith("#") else f"#{text.strip()}")
    if not c.isValid():
        return None
    return c.red(), c.green(), c.blue()


class ColorState(QObject):
    changed = Signal()
    recent_changed = Signal()

    def __init__(self, fg: RGB = (0, 0, 0), bg: RGB = (255, 255, 255), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fg: RGB = fg
        self._bg: RGB = bg
        self.recent: list[RGB] = []

    @property
    def fg(self) -> RGB:
        return self._fg

    @property
    def bg(self) -> RGB:
        return self._bg

    def set_fg(self, rgb: RGB) -> None:
        rgb = (int(rgb[0]), int(rgb[1]), int(rgb[2]))
        if rgb != self._fg:
            self._fg = rgb
            self.changed.emit()

    def set_bg(self, rgb: RGB) -> None:
        rgb = (int(rgb[0]), int(rgb[1]), int(rgb[2]))
        if rgb != self._bg:
            self._bg = rgb
            self.changed.emit()

    def swap(self) -> None:
        self._fg, self._bg = self._bg, self._fg
        self.changed.emit()

    def reset(self) -> None:
        self._fg, self._bg = (0, 0, 0), (255, 255, 255)
        self.changed.emit()

    def note_used(self, rgb: RGB | None = None) -> None:
        """Remember a colour that was painted with (called at pen-up)."""
        rgb = rgb or self._fg
        if self.recent and self.recent[0] == rgb:
            return
        self.recent = [rgb, *[c for c in self.recent if c != rgb]][:MAX_RECENT]
        self.recent_changed.emit()
