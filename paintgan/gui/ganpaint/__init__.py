"""GANPaint mode in the app: render controller, GANPaint panel, scene documents (issue #8)."""
