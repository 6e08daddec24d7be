"""Batches of examples built on the fly from arrays, for training and prediction alike.

:class:`ArrayBatches` serves one array or a dict of named arrays (a model
with several inputs) with their targets. Integer-coded sequences stay
``uint8`` in memory and are one-hot encoded one batch at a time where the
model expects ``(L, 4)`` (:func:`genomenb.predict.prepare_batch`). Every row
is visited once per epoch in an order fixed by ``(seed, epoch)``; with
``fill_last_batch`` a short last batch is completed with the epoch's first
rows so every step has one shape (one compiled step, no retracing).

Variable-length sequences are stored padded to a common length with a pad
token at the end; with ``trim_padding > 0`` each batch is cut after its
longest sequence, rounded up to a multiple of ``trim_padding``, so a batch of
short genes does not pay for the longest gene of the data set while the
number of distinct shapes stays small. Keras' TensorFlow adapter fixes the
batch shapes it infers from the first two batches, so the first batch of an
epoch carries one extra block of padding: its length then differs from every
other batch's and the sequence axis is declared variable. The padding is
masked by the models that read padded input, so it changes no number.
"""

from __future__ import annotations

from typing import Any, Callable

import keras
import numpy as np

from genomenb.predict import Inputs, n_rows, take_rows

__all__ = ["ArrayBatches", "trimmed_length"]


def trimmed_length(tokens: np.ndarray, pad_value: int, multiple: int) -> int:
    """Columns needed to hold every non-pad token of ``tokens`` ``(n, L)``, rounded up to ``multiple``."""
    used = np.flatnonzero((tokens != pad_value).any(axis=0))
    length = int(used[-1]) + 1 if used.size else 1
    return min(tokens.shape[1], -(-length // multiple) * multiple)


class ArrayBatches(keras.utils.PyDataset):
    """Batches ``(inputs, targets[, sample_weights])`` drawn from arrays.

    Parameters
    ----------
    x : numpy.ndarray or mapping of str to numpy.ndarray
        Inputs, ``N`` rows each.
    y : numpy.ndarray, optional
        Targets with ``N`` rows; without them a batch is the inputs alone.
    feed : callable
        Turns a batch of ``x`` into what the model is fed (e.g.
        ``functools.partial(genomenb.predict.prepare_batch, model)``).
    batch_size : int
    shuffle : bool, default False
        Visit the rows in an order fixed by ``(seed, epoch)``.
    seed, epoch : int
    fill_last_batch : bool, default False
        Complete a short last batch with rows from the start of the order.
    sample_weight : numpy.ndarray, optional
        ``(N,)`` weight of every row's loss (e.g. class weights looked up per row).
    trim_padding : int, default 0
        ``> 0``: cut every 2-D integer input of a batch after its last
        non-``pad_value`` column, rounded up to this multiple.
    pad_value : int, default 0
        The padding token of variable-length inputs.
    """

    def __init__(self, x: Inputs, y: np.ndarray | None = None, *, feed: Callable[[Inputs], Any],
                 batch_size: int = 256, shuffle: bool = False, seed: int = 0, epoch: int = 0,
                 fill_last_batch: bool = False, sample_weight: np.ndarray | None = None, trim_padding: int = 0,
                 pad_value: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(batch_size, bool) or int(batch_size) < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.x, self.y, self.feed = x, y, feed
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float32)
        self.batch_size = int(batch_size)
        self.trim_padding, self.pad_value = int(trim_padding), int(pad_value)
        n = n_rows(x)
        self.order = np.random.default_rng([int(seed), int(epoch)]).permutation(n) if shuffle else np.arange(n)
        if fill_last_batch and n:
            self.order = np.resize(self.order, -(-n // self.batch_size) * self.batch_size)

    def __len__(self) -> int:
        return -(-len(self.order) // self.batch_size)

    def _trim(self, block: Inputs, extra: int) -> Inputs:
        def cut(a: np.ndarray) -> np.ndarray:
            if a.ndim == 2 and a.dtype.kind in "iu":
                a = a[:, :trimmed_length(a, self.pad_value, self.trim_padding)]
                return np.pad(a, ((0, 0), (0, extra)), constant_values=self.pad_value) if extra else a
            return a

        return {k: cut(v) for k, v in block.items()} if isinstance(block, dict) else cut(block)

    def __getitem__(self, index: int):
        if not 0 <= index < len(self):
            raise IndexError(index)
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        block = take_rows(self.x, rows)
        if self.trim_padding:
            block = self._trim(block, self.trim_padding if index == 0 else 0)
        fed = self.feed(block)
        if self.y is None:
            return (fed,)
        targets = np.asarray(self.y[rows])
        targets = targets.astype(np.float32) if targets.dtype.kind == "f" or targets.ndim > 1 else targets
        if self.sample_weight is None:
            return fed, targets
        return fed, targets, self.sample_weight[rows]
