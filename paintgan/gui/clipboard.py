"""Cut, copy, copy merged, paste as a new layer and paste into a new document, through the system
clipboard (QClipboard): our copies are ordinary images other programs paste (Krita, GIMP), and images
copied elsewhere paste here. A copy also carries its document position (a small private MIME part), so
pasting it back puts the new layer where the pixels came from; a foreign image lands in the middle of
the view. Each operation is one history step (cut = one paint step; paste = one added layer)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QByteArray, QMimeData
from PySide6.QtGui import QGuiApplication, QImage

from paintgan.commands.clipboard import Clip, clear_selected, copy_layer, copy_merged
from paintgan.commands.layers import AddLayerCommand
from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer
from paintgan.gui.tools.base import ToolContext, paintable_layer

if TYPE_CHECKING:
    from paintgan.gui.main_window import MainWindow

POSITION_MIME = "application/x-paintgan-position"


def qimage_from_rgba(px: np.ndarray) -> QImage:
    """A QImage owning a copy of straight RGBA uint8 (h, w, 4) pixels."""
    h, w = px.shape[:2]
    px = np.ascontiguousarray(px)
    return QImage(px.data, w, h, w * 4, QImage.Format.Format_RGBA8888).copy()


def rgba_from_qimage(img: QImage) -> np.ndarray:
    """Straight RGBA uint8 (h, w, 4) of any QImage."""
    img = img.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h = img.width(), img.height()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    return buf.reshape(h, img.bytesPerLine())[:, :w * 4].reshape(h, w, 4).copy()


def put_clip(clip: Clip) -> None:
    mime = QMimeData()
    mime.setImageData(qimage_from_rgba(clip.pixels))
    h, w = clip.pixels.shape[:2]
    mime.setData(POSITION_MIME, QByteArray(json.dumps({"x": clip.x, "y": clip.y, "w": w, "h": h}).encode()))
    QGuiApplication.clipboard().setMimeData(mime)


def get_clip() -> tuple[np.ndarray, tuple[int, int] | None] | None:
    """The clipboard's image as straight RGBA and, for our own copies, the document position it came
    from (None for an image from another program); None when the clipboard holds no image."""
    mime = QGuiApplication.clipboard().mimeData()
    if mime is None or not mime.hasImage():
        return None
    img = mime.imageData()
    if not isinstance(img, QImage) or img.isNull():
        return None
    px = rgba_from_qimage(img)
    pos = None
    if mime.hasFormat(POSITION_MIME):
        try:
            info = json.loads(bytes(mime.data(POSITION_MIME).data()).decode())
            if (int(info["w"]), int(info["h"])) == (px.shape[1], px.shape[0]):
                pos = (int(info["x"]), int(info["y"]))
        except (ValueError, KeyError, TypeError):
            pos = None
    return px, pos


class ClipboardOps:
    """The Edit menu's clipboard actions for a main window."""

    def __init__(self, window: MainWindow, ctx: ToolContext) -> None:
        self.window = window
        self.ctx = ctx

    def _layer(self) -> RasterLayer | None:
        return paintable_layer(self.ctx)

    def copy(self) -> bool:
        doc = self.window.session.doc
        layer = doc.active_layer
        if not isinstance(layer, RasterLayer):
            return self.copy_merged()
        clip = copy_layer(doc, layer)
        if clip is None:
            self.window.show_message("Nothing to copy: the selection is empty on this layer")
            return False
        put_clip(clip)
        self.window.show_message(f"Copied {clip.pixels.shape[1]}×{clip.pixels.shape[0]} px")
        return True

    def copy_merged(self) -> bool:
        clip = copy_merged(self.window.session.doc)
        if clip is None:
            return False
        put_clip(clip)
        self.window.show_message(f"Copied merged {clip.pixels.shape[1]}×{clip.pixels.shape[0]} px")
        return True

    def cut(self) -> bool:
        layer = self._layer()
        if layer is None or not self.copy():
            return False
        session = self.window.session
        cmd = clear_selected(session.doc, layer, "Cut")
        if cmd is not None:
            session.stack.push(cmd, done=True)
        return True

    def clear(self) -> bool:
        layer = self._layer()
        if layer is None:
            return False
        session = self.window.session
        cmd = clear_selected(session.doc, layer, "Clear")
        if cmd is not None:
            session.stack.push(cmd, done=True)
        return cmd is not None

    def paste_position(self, px: np.ndarray, pos: tuple[int, int] | None, doc: Document) -> tuple[int, int]:
        """Where it came from when that is on the canvas, else centred on the view."""
        h, w = px.shape[:2]
        if pos is not None and not Rect(pos[0], pos[1], w, h).intersected(doc.rect).is_empty():
            return pos
        v = self.window.canvas.view
        return round(v.cx - w / 2), round(v.cy - h / 2)

    def paste(self) -> RasterLayer | None:
        got = get_clip()
        if got is None:
            self.window.show_message("The clipboard holds no image")
            return None
        px, pos = got
        session = self.window.session
        x, y = self.paste_position(px, pos, session.doc)
        layer = RasterLayer.from_pixels("Pasted layer", px, x, y)
        session.stack.push(AddLayerCommand(session.doc, layer, text="Paste as new layer"))
        return layer

    def paste_new_document(self) -> bool:
        got = get_clip()
        if got is None:
            self.window.show_message("The clipboard holds no image")
            return False
        from paintgan.gui.session import DocumentSession

        px = got[0]
        h, w = px.shape[:2]
        doc = Document(w, h)
        layer = RasterLayer.from_pixels("Pasted layer", px)
        doc.root.insert(0, layer)
        doc.active_layer = layer
        self.window.documents.switch_to(DocumentSession(doc))
        return True
