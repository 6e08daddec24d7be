"""Epoch checkpoints: the files of a run trained one epoch at a time, and the run's fingerprint.

After every epoch :meth:`EpochCheckpoint.save` writes, in this order, any
tracked arrays (``.npy``) and extra models (``best.keras``), then
``last.keras`` (weights and optimizer state), then ``history.csv``, then
``state.json`` holding the number of epochs done and the run's fingerprint.
``state.json`` is written last and points at what was written before it, so an
interruption at any moment leaves either the previous epoch's complete state
or the new one. Every file is replaced atomically (written beside, then
renamed). Arrays are plain ``.npy`` (never pickled).

A fingerprint (:func:`fingerprint`) identifies a run: the model's
architecture (layer classes and configurations, free of session-dependent
names) and initial weights or its configuration, the data's bytes, the
settings, the Keras backend, and the source of the training modules that
produce the numbers (the loop and the trainer), not of unrelated modules. A
folder holding another fingerprint is ignored and overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import keras
import numpy as np
import pandas as pd

__all__ = ["EpochCheckpoint", "fingerprint", "architecture", "atomic_write_text", "TRAINING_SOURCES"]

_HERE = Path(__file__).resolve().parent
#: Source files of the training core that every run's numbers depend on.
TRAINING_SOURCES = (_HERE / "loop.py", _HERE / "checkpoint.py", _HERE / "batches.py")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _without_names(config: Any) -> Any:
    """A layer config with every ``name`` entry removed (Keras numbers unnamed layers per session)."""
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, (list, tuple)):
        return [_without_names(v) for v in config]
    return config


def architecture(model: keras.Model) -> list:
    """Layer classes and configurations in order, free of session-dependent names."""
    return [[type(layer).__name__, _without_names(layer.get_config())] for layer in model.layers]


def _array_digest(h, arr: np.ndarray) -> None:
    arr = np.ascontiguousarray(arr)
    h.update(f"{arr.dtype.str}:{arr.shape}:".encode())
    h.update(hashlib.sha256(arr.data).digest() if arr.size else b"")


def fingerprint(*, settings: Mapping[str, Any], arrays: Iterable[np.ndarray | Mapping[str, np.ndarray]] = (),
                model: keras.Model | None = None, sources: Sequence[Path] = ()) -> str:
    """Identify a run by its settings, model, data and the code that trains it.

    Parameters
    ----------
    settings : mapping
        JSON-serialisable settings (configs, learning rate, seed, ...).
    arrays : iterable of arrays or of mappings of arrays
        The data (and any tracked inputs); only their bytes, dtypes and shapes count.
    model : keras.Model, optional
        Its architecture and current (initial) weights are included.
    sources : sequence of Path
        Source files of the trainer, in addition to :data:`TRAINING_SOURCES`.
    """
    h = hashlib.sha256()
    h.update(json.dumps({"settings": dict(settings), "backend": keras.backend.backend(),
                         "model": architecture(model) if model is not None else None},
                        sort_keys=True, default=str).encode())
    if model is not None:
        for w in model.get_weights():
            _array_digest(h, np.asarray(w))
    for item in arrays:
        if isinstance(item, Mapping):
            for name in sorted(item):
                h.update(str(name).encode())
                _array_digest(h, np.asarray(item[name]))
        else:
            _array_digest(h, np.asarray(item))
    for src in (*TRAINING_SOURCES, *sources):
        h.update(Path(src).read_bytes())
    return h.hexdigest()


class EpochCheckpoint:
    """The files of a run trained one epoch at a time, written so that a rerun resumes it.

    Parameters
    ----------
    folder : str or Path
        Created if missing.
    fingerprint : str
        Identifies the run; a folder holding another fingerprint is ignored and overwritten.
    columns : sequence of str
        Columns of the history table.
    """

    STATE_FILE = "state.json"
    MODEL_FILE = "last.keras"
    BEST_FILE = "best.keras"
    HISTORY_FILE = "history.csv"

    def __init__(self, folder: str | Path, fingerprint: str, columns: Sequence[str]) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.fingerprint = fingerprint
        self.columns = list(columns)

    def empty_history(self) -> pd.DataFrame:
        return pd.DataFrame(columns=self.columns)

    def state(self) -> dict | None:
        """The saved ``state.json`` when it belongs to this run, else None."""
        state_file = self.folder / self.STATE_FILE
        if not state_file.is_file():
            return None
        state = json.loads(state_file.read_text(encoding="utf-8"))
        return state if state.get("fingerprint") == self.fingerprint else None

    def load(self, verbose: int = 0) -> tuple[keras.Model | None, int, pd.DataFrame]:
        """The checkpointed model, its completed epochs and history, when they belong to this run.

        Returns ``(None, 0, empty history)`` for a fresh or foreign folder.
        """
        state = self.state()
        if state is None:
            if verbose and (self.folder / self.STATE_FILE).is_file():
                print(f"checkpoint in {self.folder} is from other settings, data or code: starting afresh")
            return None, 0, self.empty_history()
        done = int(state["epochs_done"])
        model = keras.models.load_model(self.folder / self.MODEL_FILE)
        path = self.folder / self.HISTORY_FILE
        history = pd.read_csv(path) if path.is_file() else self.empty_history()
        history = history[history["epoch"] <= done].reset_index(drop=True)
        return model, done, history

    def _save_model(self, model: keras.Model, name: str) -> None:
        tmp = self.folder / ("tmp_" + name)
        model.save(tmp)
        os.replace(tmp, self.folder / name)

    def save_array(self, name: str, array: np.ndarray) -> Path:
        """Write ``<name>.npy`` atomically (plain array, never pickled)."""
        path = self.folder / f"{name}.npy"
        tmp = self.folder / f"tmp_{name}.npy"
        np.save(tmp, np.ascontiguousarray(array), allow_pickle=False)
        os.replace(tmp, path)
        return path

    def load_array(self, name: str) -> np.ndarray:
        return np.load(self.folder / f"{name}.npy", allow_pickle=False)

    def save(self, model: keras.Model, history: pd.DataFrame, epochs_done: int, state: Mapping[str, Any], *,
             models: Mapping[str, keras.Model] | None = None,
             arrays: Mapping[str, np.ndarray] | None = None) -> None:
        """Record a completed epoch (see the module docstring for the order of the writes)."""
        for name, array in (arrays or {}).items():
            self.save_array(name, array)
        for name, extra in (models or {}).items():
            self._save_model(extra, name)
        self._save_model(model, self.MODEL_FILE)
        atomic_write_text(self.folder / self.HISTORY_FILE, history.to_csv(index=False))
        atomic_write_text(self.folder / self.STATE_FILE, json.dumps(
            {"epochs_done": int(epochs_done), "fingerprint": self.fingerprint, **state}, indent=2, default=str))
