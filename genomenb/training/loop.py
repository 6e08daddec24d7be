"""The one epoch loop: every model of the book is trained by :func:`run_epochs`.

A trainer (:mod:`genomenb.training.supervised` for arrays of examples,
:mod:`genomenb.training.language_model` for genomes) supplies what differs:
how an epoch's batches are drawn, how the model is compiled, what is measured
after each epoch. The loop does the rest, once:

* **resume**: a checkpoint folder with the same fingerprint is continued after
  its last completed epoch (a finished run is loaded without training; one
  with more epochs than asked for is started afresh);
* **determinism**: the random state of epoch ``e`` (batch order, dropout
  masks) depends only on ``(seed, e)``, and the optimizer state is restored
  from ``last.keras``, so an interrupted and resumed run gives the numbers of
  an uninterrupted one;
* **best epoch**: any column the evaluation returns can be monitored, to be
  minimised or maximised; ``best.keras`` holds the best epoch so far and,
  with ``restore="best"``, the returned model carries its weights;
* **early stopping**: with ``patience > 0`` training stops once that many
  epochs passed without improvement (decided from the history alone, so a
  resumed run stops where the uninterrupted one did);
* **tracked predictions**: arrays the evaluation returns are saved per epoch
  (``predictions_<name>_epoch<e>.npy``) and handed back stacked, so every epoch can be
  scored afterwards;
* **every local device**: under JAX a step is split over all devices the
  backend sees (``devices``; Keras' ``DataParallel`` distribution);
* **one line per epoch** (and Keras' progress bar with ``verbose=1``).
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import keras
import numpy as np
import pandas as pd

from genomenb import backend
from genomenb.training.checkpoint import EpochCheckpoint

__all__ = ["TrainResult", "run_epochs", "reseed_dropout", "epoch_line"]

#: ``evaluate(model) -> (scalars for the history row, arrays to save for this epoch)``
Evaluate = Callable[[keras.Model], "tuple[Mapping[str, float], Mapping[str, np.ndarray]]"]


@dataclass
class TrainResult:
    """A trained model and its record.

    Attributes
    ----------
    model : keras.Model
        With ``restore="best"`` the model passed in, holding the best epoch's
        weights; with ``restore="last"`` the model after the last epoch.
    history : pandas.DataFrame
        One row per completed epoch: ``epoch`` (1-based), ``loss`` (mean
        training loss of the epoch), the trainer's columns, ``seconds`` and a
        throughput column.
    best_epoch : int
        1-based epoch with the best monitored value (the first on ties); the
        last epoch when nothing is monitored.
    checkpoint_dir : Path
    epoch_predictions : dict of str to numpy.ndarray
        Every tracked array stacked over epochs, ``(epochs, ...)``.
    resumed_from_epoch : int
        Epochs found completed in the checkpoint folder (0 for a fresh run).
    stopped_early : bool
        Whether early stopping ended training before ``epochs``.
    config : dict
        What the trainer wants to keep with the result (e.g. its configs).
    """

    model: keras.Model
    history: pd.DataFrame
    best_epoch: int
    checkpoint_dir: Path
    epoch_predictions: dict[str, np.ndarray] = field(default_factory=dict)
    resumed_from_epoch: int = 0
    stopped_early: bool = False
    config: dict = field(default_factory=dict)

    @property
    def best(self) -> dict[str, float]:
        """The best epoch's history row as a dict."""
        return {k: float(v) for k, v in self.history.iloc[self.best_epoch - 1].items()}

    @property
    def final(self) -> dict[str, float]:
        """The last epoch's history row as a dict."""
        return {k: float(v) for k, v in self.history.iloc[-1].items()}


def reseed_dropout(model: keras.Model, seed: int, epoch: int) -> None:
    """Set every random layer's seed-generator state from ``(seed, epoch, layer)``.

    The state is not restored from a ``.keras`` checkpoint, so without this a
    resumed run would draw other dropout masks than an uninterrupted one.
    """
    for i, layer in enumerate(model.layers):
        generator = getattr(layer, "seed_generator", None)
        if generator is None:
            continue
        value = (int(seed) * 1_000_003 + int(epoch) * 7_919 + i) % (2**31 - 1)
        dtype = keras.backend.standardize_dtype(generator.state.dtype)
        generator.state.assign(np.array([value, 0], dtype=dtype))


class _SeedAtEpochBegin(keras.callbacks.Callback):
    """Re-seed the global generators once ``fit`` has built its step functions and optimizer.

    A first ``fit`` on a model (a fresh one, or one just reloaded to resume)
    builds its step functions and optimizer, which may draw from the global
    generators; under PyTorch, dropout layers without a seed draw from the
    global generator too. Seeding again here makes the epoch's draws the same
    whether or not the run was resumed.
    """

    def __init__(self, value: int) -> None:
        super().__init__()
        self.value = value

    def on_epoch_begin(self, epoch, logs=None):
        keras.utils.set_random_seed(self.value)


def _fit_one_epoch(model: keras.Model, batches: keras.utils.PyDataset, epoch: int, seed: int, *,
                   callbacks: Iterable[keras.callbacks.Callback] = (), verbose: int = 1) -> tuple[float, float]:
    """Train ``model`` for epoch ``epoch`` (0-based) on ``batches``; returns (mean loss, seconds)."""
    value = int(seed) * 100_003 + int(epoch)
    keras.utils.set_random_seed(value)
    reseed_dropout(model, seed, epoch)
    t0 = time.perf_counter()
    fit = model.fit(batches, epochs=epoch + 1, initial_epoch=epoch, shuffle=False,
                    callbacks=[_SeedAtEpochBegin(value), *callbacks], verbose=1 if verbose == 1 else 0)
    return float(fit.history["loss"][-1]), time.perf_counter() - t0


def _number(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4f}"


def epoch_line(row: Mapping[str, float], epochs: int, monitor: str | None = None, best: bool = False) -> str:
    """One line summarising an epoch's history row (every column but ``epoch`` and ``seconds``)."""
    parts = []
    for name, value in row.items():
        if name in ("epoch", "seconds"):
            continue
        text = f"{name} {_number(float(value))}"
        if best and name == monitor:
            text += " (best so far)"
        parts.append(text)
    return f"epoch {int(row['epoch'])}/{epochs}: " + ", ".join(parts) + f", {float(row['seconds']):.1f} s"


def _is_better(value: float, best: float | None, mode: str) -> bool:
    if best is None:
        return True
    if not math.isfinite(value):
        return False
    return value < best if mode == "min" else value > best


def run_epochs(model: keras.Model, *, epochs: int, seed: int, checkpoint: EpochCheckpoint,
               batches: Callable[[int], keras.utils.PyDataset], compile: Callable[[keras.Model], None],
               evaluate: Evaluate | None = None, loss_columns: Callable[[float], Mapping[str, float]] | None = None,
               throughput: tuple[str, Callable[[Any], float]] = ("sequences_per_second", len),
               monitor: str | None = None, mode: str = "min", restore: str = "best", patience: int = 0,
               state: Mapping[str, Any] | None = None, callbacks: Iterable[keras.callbacks.Callback] = (),
               devices: int | None = None, verbose: int = 1) -> TrainResult:
    """Train ``model`` epoch by epoch with checkpoints, best-epoch choice and optional early stopping.

    Parameters
    ----------
    model : keras.Model
        The freshly built model (used when no checkpoint of this run exists;
        with ``restore="best"`` it receives the best weights at the end).
    epochs : int
        Epochs to have completed on return (fewer when stopped early).
    seed : int
        With the epoch number, fixes every epoch's random state.
    checkpoint : EpochCheckpoint
        The run's folder and fingerprint.
    batches : callable
        ``batches(epoch)`` (0-based) gives that epoch's :class:`keras.utils.PyDataset`.
    compile : callable
        Compiles a fresh model (a resumed one keeps its compiled optimizer state).
    evaluate : callable, optional
        ``evaluate(model) -> (scalars, arrays)`` after every epoch: the scalars
        join the history row, the arrays are saved as ``predictions_<name>_epoch<e>.npy``.
    loss_columns : callable, optional
        Extra history columns computed from the epoch's training loss (e.g. its perplexity).
    throughput : (str, callable)
        Name of the throughput column and ``units(batches)``, the units one epoch processed.
    monitor : str, optional
        History column that chooses the best epoch (default: none, the last epoch is best).
    mode : {"min", "max"}
    restore : {"best", "last"}
        Which epoch's weights the returned model holds.
    patience : int, default 0
        Stop after this many epochs without improvement of ``monitor`` (0: never).
    state : mapping, optional
        Extra entries for ``state.json`` (configs, settings).
    callbacks : iterable of keras.callbacks.Callback
        Passed to every epoch's :meth:`keras.Model.fit`.
    devices : int, optional
        Local devices every training step is split over (data-parallel, JAX
        backend: :func:`genomenb.backend.training_devices`). Default: all the
        backend sees, as many as divide the batch size (one under TensorFlow
        and PyTorch). The count is recorded in ``state.json``.
    verbose : int, default 1
        0 silent, 1 Keras progress bar and one line per epoch, 2 one line per epoch.

    Returns
    -------
    TrainResult
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    if restore not in ("best", "last"):
        raise ValueError(f"restore must be 'best' or 'last', got {restore!r}")
    if patience and monitor is None:
        raise ValueError("early stopping (patience > 0) needs a monitored column")
    epochs, ckpt = int(epochs), checkpoint
    trained, done, history = ckpt.load(verbose)
    if trained is not None and done > epochs:
        if verbose:
            print(f"checkpoint in {ckpt.folder} has {done} epochs, more than the {epochs} asked for: starting afresh")
        trained, done, history = None, 0, ckpt.empty_history()
    if trained is None:
        compile(model)
        trained = model
    elif verbose:
        status = "finished run" if done >= epochs else "resuming"
        print(f"checkpoint {ckpt.folder / ckpt.MODEL_FILE} ({status}): {done} of {epochs} epochs done")
    saved = ckpt.state() or {}
    rows = history.to_dict("records")
    best_epoch = int(saved.get("best_epoch", done)) if done else 0
    tracked = list(saved.get("tracked", []))
    if verbose and done:
        for row in rows:
            print("  " + epoch_line(row, epochs, monitor, int(row["epoch"]) == best_epoch))

    def out_of_patience(epoch: int) -> bool:
        return bool(patience) and best_epoch > 0 and epoch - best_epoch >= patience

    stopped, distribution, n_devices = False, None, 1
    for epoch in range(done, epochs):
        if out_of_patience(epoch):
            stopped = True
            break
        epoch_batches = batches(epoch)
        if epoch == done:  # the device count follows from the batch size; the weights are placed once
            n_devices = backend.training_devices(devices, int(getattr(epoch_batches, "batch_size", 1)))
            distribution = backend.data_parallel_distribution(n_devices)
            if distribution is not None:
                backend.lay_out(trained, distribution)
                if verbose:
                    print(f"training data-parallel on {n_devices} devices")
        with distribution.scope() if distribution is not None else contextlib.nullcontext():
            loss, seconds = _fit_one_epoch(trained, epoch_batches, epoch, seed, callbacks=callbacks, verbose=verbose)
        scalars, arrays = evaluate(trained) if evaluate is not None else ({}, {})
        name, units = throughput
        row = {"epoch": epoch + 1, "loss": loss, **(loss_columns(loss) if loss_columns else {}),
               **{k: float(v) for k, v in scalars.items()}, "seconds": seconds, name: units(epoch_batches) / seconds}
        rows.append(row)
        improved = monitor is None or _is_better(row[monitor], rows[best_epoch - 1][monitor] if best_epoch else None,
                                                 mode)
        if improved:
            best_epoch = epoch + 1
        tracked = sorted(arrays)
        ckpt.save(trained, pd.DataFrame(rows, columns=list(rows[0])), epoch + 1,
                  {"best_epoch": best_epoch, "monitor": monitor, "mode": mode, "tracked": tracked,
                   "keras_backend": keras.backend.backend(), "devices": n_devices, **dict(state or {})},
                  models={ckpt.BEST_FILE: trained} if improved and restore == "best" else None,
                  arrays={f"predictions_{k}_epoch{epoch + 1}": v for k, v in arrays.items()})
        if verbose:
            print(epoch_line(row, epochs, monitor, improved and monitor is not None))

    history = pd.DataFrame(rows, columns=list(rows[0]) if rows else ckpt.columns)
    if restore == "best":
        model.load_weights(ckpt.folder / ckpt.BEST_FILE)
        final_model = model
    else:
        final_model = trained
    completed = len(rows)
    epoch_predictions = {name: np.stack([ckpt.load_array(f"predictions_{name}_epoch{e}")
                                         for e in range(1, completed + 1)]) for name in tracked}
    return TrainResult(final_model, history, best_epoch, ckpt.folder, epoch_predictions, resumed_from_epoch=done,
                       stopped_early=stopped, config=dict(state or {}))
