"""PaintGAN: an offline, AI-assisted painting and annotation studio."""

__version__ = "0.1.0"
