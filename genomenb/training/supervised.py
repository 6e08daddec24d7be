"""Training on arrays of examples: multitask labels, classes or real values, one or several inputs.

:func:`train_supervised` trains any genomenb model on ``(x, y)`` arrays
through the one epoch loop (:func:`genomenb.training.loop.run_epochs`): the
919-task chromatin models and the masked TF-binding models
(``target="multilabel"``), a gene classifier on padded variable-length
sequences (``"multiclass"``, optional class weights and padding trimming),
expression regression from a promoter and a regulator vector (``"regression"``,
a dict of named inputs), or one output per condition with missing cells
(``(N, K)`` targets with NaN, or ``-1`` class labels). Integer-coded sequences are one-hot encoded per
batch where the model expects it (:func:`genomenb.predict.prepare_batch`).

After every epoch the validation set is scored (:mod:`genomenb.training.targets`),
the model is checkpointed (``last.keras``; ``best.keras`` when the monitored
column improved) and the outputs on any tracked arrays are saved, so every
epoch can be scored afterwards. The returned model carries the weights of the
best validation epoch.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Iterable, Mapping

import keras
import numpy as np

from genomenb.predict import Inputs, n_rows, predict, prepare_batch, take_rows
from genomenb.training import targets as target_kinds
from genomenb.training.batches import ArrayBatches
from genomenb.training.checkpoint import EpochCheckpoint, fingerprint
from genomenb.training.loop import TrainResult, run_epochs

__all__ = ["train_supervised", "class_weights"]

_SOURCES = (Path(__file__).resolve(), Path(target_kinds.__file__).resolve())


def class_weights(labels: np.ndarray) -> np.ndarray:
    """Balanced class weights ``n / (C * count_c)`` for integer labels, ``float64`` ``(C,)``.

    Classes absent from ``labels`` get weight 0.
    """
    labels = np.asarray(labels, dtype=np.int64)
    counts = np.bincount(labels).astype(np.float64)
    present = counts > 0
    weights = np.zeros_like(counts)
    weights[present] = len(labels) / (present.sum() * counts[present])
    return weights


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def train_supervised(model: keras.Model, x_train: Inputs, y_train: np.ndarray, x_valid: Inputs,
                     y_valid: np.ndarray, *, target: str, epochs: int, batch_size: int,
                     checkpoint_dir: str | Path, learning_rate: float = 1e-3, seed: int = 0,
                     monitor: str = "val_loss", mode: str = "min", patience: int = 0,
                     track: Mapping[str, Inputs] | None = None, class_weight: np.ndarray | bool | None = None,
                     trim_padding: int = 0, pad_value: int = 0, clipnorm: float | None = None,
                     reverse_complement_average: bool = False, predict_batch_size: int = 256,
                     callbacks: Iterable[keras.callbacks.Callback] = (), devices: int | None = None,
                     verbose: int = 1) -> TrainResult:
    """Train ``model`` on arrays with Adam, one checkpointed epoch at a time.

    Parameters
    ----------
    model : keras.Model
        Built right after ``keras.utils.set_random_seed(seed)``; compiled here
        (Adam and the loss of ``target``). Its weights at call time are part
        of the run's fingerprint.
    x_train, x_valid : numpy.ndarray or mapping of str to numpy.ndarray
        One array, or input name -> array (a model with several inputs).
        ``uint8`` codes ``(N, L)`` are one-hot encoded per batch where the
        model expects ``(L, 4)``.
    y_train, y_valid : numpy.ndarray
        Targets (see :mod:`genomenb.training.targets`).
    target : {"multilabel", "multiclass", "regression"}
    epochs, batch_size : int
        Epochs to have completed on return (fewer with early stopping); examples per Adam step.
    checkpoint_dir : str or Path
        ``last.keras``, ``best.keras``, ``predictions_<name>_epoch<e>.npy``,
        ``history.csv``, ``state.json``. A rerun with the same model, data
        and settings resumes after the last completed epoch.
    learning_rate : float, default 1e-3
    seed : int, default 0
        Fixes every epoch's example order and dropout masks.
    monitor, mode : str
        History column choosing the best epoch (``val_loss`` min by default;
        e.g. ``val_balanced_accuracy`` max, ``val_pearson_r`` max).
    patience : int, default 0
        Early stopping after this many epochs without improvement (0: never).
    track : mapping of str to inputs, optional
        Arrays whose outputs are saved after every epoch (``result.epoch_predictions``).
    class_weight : array or True, optional
        Multiclass only: a weight per class multiplying each example's loss;
        ``True`` uses balanced weights from ``y_train`` (:func:`class_weights`).
    trim_padding, pad_value : int
        Cut padded variable-length inputs per batch (see :class:`ArrayBatches`).
    clipnorm : float, optional
        Gradient-norm clipping for Adam.
    reverse_complement_average : bool, default False
        Score validation and tracked arrays averaged over both strands
        (:func:`genomenb.predict.predict`); training uses the forward strand.
    predict_batch_size : int, default 256
    callbacks : iterable of keras.callbacks.Callback
    devices : int, optional
        Local devices each step is split over (JAX; default all, see
        :func:`genomenb.training.loop.run_epochs`).
    verbose : int, default 1

    Returns
    -------
    TrainResult
        ``history`` columns: ``epoch``, ``loss``, (``train_perplexity`` for
        multitask labels), the validation columns of ``target``, ``seconds``,
        ``sequences_per_second``.
    """
    epochs, batch_size = _positive_int("epochs", epochs), _positive_int("batch_size", batch_size)
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    n_train, n_valid = n_rows(x_train), n_rows(x_valid)
    if n_train == 0 or n_valid == 0:
        raise ValueError("training and validation sets must not be empty")
    y_train = target_kinds.check_targets(y_train, n_train, target, "y_train")
    y_valid = target_kinds.check_targets(y_valid, n_valid, target, "y_valid")
    if target == "multilabel":
        if y_train.shape[1] != y_valid.shape[1]:
            raise ValueError("training and validation labels must have the same number of tasks")
        if tuple(model.output_shape[1:]) != (y_train.shape[1],):
            raise ValueError(f"the model has outputs {model.output_shape[1:]}, the labels {y_train.shape[1]} tasks")
    if target == "multiclass" and y_train.ndim != y_valid.ndim:
        raise ValueError(f"y_train {y_train.shape} and y_valid {y_valid.shape} must both be (N,) or both (N, K)")
    if y_train.ndim == 2 and target != "multilabel":
        expected = (y_train.shape[1],)
        got = tuple(model.output_shape[1:2]) if target == "multiclass" else tuple(model.output_shape[1:])
        if y_valid.shape[1] != y_train.shape[1] or got != expected:
            raise ValueError(f"the model has outputs {tuple(model.output_shape[1:])}; y_train {y_train.shape} and "
                             f"y_valid {y_valid.shape} need {y_train.shape[1]} outputs per example")
    for name, y in (("y_train", y_train), ("y_valid", y_valid)):
        if not target_kinds.has_labels(target, y).any():
            raise ValueError(f"{name} holds no label at all")
    feed = functools.partial(prepare_batch, model)
    feed(take_rows(x_valid, slice(0, 1)))  # fails early, naming the input, on data the model cannot take
    track = dict(track or {})
    for name in track:
        if not str(name).isidentifier():
            raise ValueError(f"track names must be identifiers (they name files), got {name!r}")
    sample_weight = None
    if class_weight is not None and class_weight is not False:
        if target != "multiclass":
            raise ValueError("class_weight is for target='multiclass'")
        if y_train.ndim != 1:
            raise ValueError(f"class_weight applies to (N,) class labels only, not to {y_train.shape} labels with "
                             "-1 for 'no label'")
        weights = class_weights(y_train) if class_weight is True else np.asarray(class_weight, dtype=np.float64)
        if weights.ndim != 1 or len(weights) <= int(y_train.max()):
            raise ValueError(f"class_weight needs one weight per class (0..{int(y_train.max())}), got {weights.shape}")
        sample_weight = weights[y_train]

    settings = {"target": target, "batch_size": batch_size, "learning_rate": float(learning_rate), "seed": int(seed),
                "optimizer": "adam", "monitor": monitor, "mode": mode, "patience": int(patience)}
    for key, value in (("reverse_complement_average", reverse_complement_average), ("clipnorm", clipnorm),
                       ("trim_padding", trim_padding), ("class_weight", None if sample_weight is None else
                                                         np.round(weights, 12).tolist())):
        if value:  # only when set, so the default fingerprint stays short
            settings[key] = value
    if trim_padding:
        settings["pad_value"] = int(pad_value)
    ckpt = EpochCheckpoint(checkpoint_dir, fingerprint(settings=settings, model=model, sources=_SOURCES,
                                                       arrays=[x_train, y_train, x_valid, y_valid, track]), [])

    def compile_model(m: keras.Model) -> None:
        m.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=clipnorm),
                  loss=target_kinds.loss_for(target, y_train))

    def scores(m: keras.Model, inputs: Inputs) -> np.ndarray:
        return predict(m, inputs, batch_size=predict_batch_size, reverse_complement_average=reverse_complement_average)

    def evaluate(m: keras.Model):
        valid = scores(m, x_valid)
        tracked = {name: valid if inputs is x_valid else scores(m, inputs) for name, inputs in track.items()}
        return target_kinds.validation_scores(target, y_valid, valid), tracked

    def batches(epoch: int) -> ArrayBatches:
        return ArrayBatches(x_train, y_train, feed=feed, batch_size=batch_size, shuffle=True, seed=seed, epoch=epoch,
                            fill_last_batch=True, sample_weight=sample_weight, trim_padding=trim_padding,
                            pad_value=pad_value)

    return run_epochs(model, epochs=epochs, seed=seed, checkpoint=ckpt, batches=batches, compile=compile_model,
                      evaluate=evaluate, loss_columns=functools.partial(target_kinds.loss_columns, target),
                      throughput=("sequences_per_second", lambda b: n_train), monitor=monitor, mode=mode,
                      restore="best", patience=patience, state={"settings": settings}, callbacks=callbacks,
                      devices=devices, verbose=verbose)
