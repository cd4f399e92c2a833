"""The blend-mode list of the Layers panel and the Layer Properties dialog: every registered mode grouped
by Krita's categories, plus the layer's own composite-op when it is one we keep but cannot render."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from paintgan.core.blend import BLEND_MODES, resolve_mode

CATEGORY_ORDER = ("Basic", "Arithmetic", "Darken", "Lighten", "Mix", "Negative", "HSY", "HSL", "HSV", "HSI",
                  "Quadratic", "Binary", "Misc")
_TIP = Qt.ItemDataRole.ToolTipRole


def fill(combo: QComboBox) -> None:
    """Fill `combo` with the registered modes (item data: the mode name), a separator between categories."""
    combo.clear()
    order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    modes = sorted(BLEND_MODES.values(), key=lambda m: order.get(m.category, len(order)))
    last = None
    for mode in modes:
        if last is not None and mode.category != last:
            combo.insertSeparator(combo.count())
        combo.addItem(mode.label, mode.name)
        combo.setItemData(combo.count() - 1, f"{mode.category} · saved as {mode.ora_op}",
                          _TIP)
        last = mode.category
    combo.setMaxVisibleItems(24)


def select(combo: QComboBox, mode: str) -> None:
    """Show `mode`; a foreign composite-op gets its own item at the end (removed again when not shown)."""
    index = combo.findData(mode)
    last = combo.count() - 1
    if last >= 0 and combo.itemData(last) not in BLEND_MODES and combo.itemData(last) != mode:
        combo.removeItem(last)
        if combo.count() and combo.itemText(combo.count() - 1) == "":
            combo.removeItem(combo.count() - 1)  # its separator
    if index < 0:
        combo.insertSeparator(combo.count())
        combo.addItem(resolve_mode(mode).label, mode)
        combo.setItemData(combo.count() - 1, "A blend mode PaintGAN cannot render: shown as Normal and "
                          "saved unchanged", _TIP)
        index = combo.count() - 1
    combo.setCurrentIndex(index)

