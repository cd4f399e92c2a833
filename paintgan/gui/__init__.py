"""The Qt GUI: the only package that imports PySide6."""

from paintgan.gui import qtcompat

qtcompat.install()
