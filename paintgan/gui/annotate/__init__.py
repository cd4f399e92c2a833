"""Annotation mode (issue #13): a labelme-class polygon annotator on the PaintGAN canvas.

`launch(folder)` runs the app with a dataset folder open (`paintgan annotate FOLDER`); the main window
builds `AnnotateMode` (mode.py) for File ▸ Open Folder for Annotation… and the annotation tools.
"""

from __future__ import annotations

import os


def launch(folder: str | os.PathLike[str], output_dir: str | os.PathLike[str] | None = None) -> int:
    """Start the app showing `folder` in dataset mode (LabelMe files beside the images, or in
    `output_dir`); returns the application's exit code."""
    from paintgan.gui.app import create_app
    from paintgan.gui.main_window import MainWindow

    app = create_app()
    window = MainWindow()
    window.show()
    window.annotate.open_folder(folder, output_dir)
    return int(app.exec())
