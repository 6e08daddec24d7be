"""Keras 3 models (backend-agnostic: ``keras.layers`` and ``keras.ops`` only)."""
