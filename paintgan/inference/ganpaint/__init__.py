"""GANPaint engine: seeds -> scenes, concept painting on dissected generator units (numpy + ONNX Runtime)."""
