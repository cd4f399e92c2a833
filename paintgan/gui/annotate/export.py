"""Annotate ▸ Export COCO… / Export YOLO…: the dataset folder through `io.coco` / `io.yolo`, with a
progress dialog (Cancel stops between images) and a summary of what was exported, clipped or skipped.

The export runs on the GUI thread, the progress callback keeping the dialog responsive: the work per
image is reading one small JSON and an image header, so a thread would add nothing but ordering issues.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QProgressDialog

from paintgan.errors import PaintGANError

if TYPE_CHECKING:
    from paintgan.gui.annotate.mode import AnnotateMode


class ExportCancelled(Exception):
    pass


def run_export(mode: AnnotateMode, kind: str, target: str | Path) -> Any:
    """Export the open dataset as `kind` ("coco": a JSON file, "yolo": a folder) to `target` with a
    progress dialog; the `DatasetReport`, or None when cancelled or failed (the status bar says why)."""
    from paintgan.io.coco import export_coco
    from paintgan.io.yolo import export_yolo

    ctl = mode.controller
    ds = ctl.dataset
    if ds is None:
        mode.window.show_message("Open a folder for annotation first")
        return None
    ctl.flush()  # the shown image's last edits are in its LabelMe file
    dlg = QProgressDialog(f"Exporting {kind.upper()}…", "Cancel", 0, max(1, len(ds)), mode.window)
    dlg.setWindowTitle(f"Export {kind.upper()}")
    dlg.setWindowModality(Qt.WindowModality.WindowModal)
    dlg.setMinimumDuration(300)

    def progress(done: int, total: int) -> None:
        dlg.setMaximum(max(1, total))
        dlg.setValue(done)
        QApplication.processEvents()
        if dlg.wasCanceled():
            raise ExportCancelled

    fn = export_coco if kind == "coco" else export_yolo
    try:
        report = fn(ds.folder, target, output_dir=ds.output_dir, progress=progress)
    except ExportCancelled:
        mode.window.show_message("Export cancelled")
        return None
    except (PaintGANError, OSError) as exc:
        mode.window.show_message(f"Export failed: {exc}")
        return None
    finally:
        dlg.reset()
        dlg.deleteLater()
    s = report.summary()
    text = (f"Exported {s['images']} images, {s['annotations']} shapes, {s['categories']} labels to "
            f"{Path(target).name}" + (f"; {s['clipped']} clipped" if s["clipped"] else "")
            + (f"; {s['skipped']} skipped (e.g. {s['skipped_examples'][0]})" if s["skipped"] else ""))
    mode.window.show_message(text)
    return report


def export_dialog(mode: AnnotateMode, kind: str) -> Any:
    ds = mode.controller.dataset
    if ds is None:
        mode.window.show_message("Open a folder for annotation first")
        return None
    if kind == "coco":
        target, _f = QFileDialog.getSaveFileName(mode.window, "Export COCO instances",
                                                 str(Path(ds.folder) / "instances.json"), "JSON (*.json)")
    else:
        target = QFileDialog.getExistingDirectory(mode.window, "Export YOLO segmentation into folder",
                                                  str(ds.folder))
    if not target:
        return None
    report = run_export(mode, kind, target)
    if report is not None and report.skipped:
        QMessageBox.information(mode.window, f"Export {kind.upper()}",
                                "Some shapes were not exported:\n" + "\n".join(report.skipped[:20]))
    return report
