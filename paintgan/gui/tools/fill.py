"""Bucket fill with tolerance and gap closing, applied as one undo step through a PaintTransaction."""

from __future__ import annotations

from paintgan.brush.fill import apply_fill, fill_mask, mask_bbox
from paintgan.commands.paint import PaintTransaction
from paintgan.core.geometry import Rect
from paintgan.gui.tools.base import Tool, paintable_layer


class FillTool(Tool):
    name = "fill"
    label = "Fill"
    shortcut = "G"

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)  # type: ignore[arg-type]
        self.tolerance = 32
        self.gap = 0
        self.opacity = 1.0
        self.sample_merged = True

    def update_settings(self, **kw: object) -> None:
        for k, v in kw.items():
            setattr(self, k, v)
        self.settings_changed.emit()

    def settings_dict(self) -> dict[str, object]:
        return {"tolerance": self.tolerance, "gap": self.gap, "opacity": self.opacity,
                "sample_merged": self.sample_merged}

    def load_settings(self, values: dict[str, object]) -> None:
        try:
            self.tolerance = int(values.get("tolerance", self.tolerance))  # type: ignore[call-overload]
            self.gap = int(values.get("gap", self.gap))  # type: ignore[call-overload]
            self.opacity = float(values.get("opacity", self.opacity))  # type: ignore[arg-type]
            self.sample_merged = str(values.get("sample_merged", self.sample_merged)).lower() in ("1", "true")
        except (TypeError, ValueError):
            pass

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        session = self.ctx.session()
        doc = session.doc
        ix, iy = int(x // 1), int(y // 1)
        if not doc.rect.contains_point(ix, iy):
            return
        layer = paintable_layer(self.ctx)
        if layer is None:
            return
        image = doc.composite() if self.sample_merged else layer.read(doc.rect)
        mask = fill_mask(image, ix, iy, self.tolerance, self.gap)
        if doc.selection is not None:  # the fill stays inside the selection
            mask &= doc.selection.selected(doc.rect)
        box = mask_bbox(mask)
        if box is None:
            return
        sub = mask[box.y:box.y1, box.x:box.x1]
        rect = Rect(box.x, box.y, box.w, box.h)
        tx = PaintTransaction(layer, "Fill")
        before = layer.read(rect)
        layer.surface.write(rect.x - layer.x, rect.y - layer.y,
                            apply_fill(before, sub, self.ctx.colors.fg, self.opacity))
        tx.touch(rect)
        cmd = tx.commit()
        if cmd is not None:
            session.stack.push(cmd, done=True)
            self.ctx.colors.note_used()
