"""Bidirectional-LSTM sequence classifier: resistance gene or not, or which drug class.

The seed study ("LSTM resistance classifier") classified genes as antibiotic
resistance genes with an embedding of the integer-coded bases, two
bidirectional LSTM layers of 62 units with dropout 0.18 after each, and one
sigmoid output, trained with Adam on the binary cross-entropy with balanced
class weights, batches of 400, 10 epochs, the best epoch chosen on the
validation loss. :func:`build_bilstm_classifier` builds that network;
``n_classes > 1`` replaces the sigmoid by a softmax over ``n_classes`` (the
drug class of a resistance gene).

Input
    Integer codes ``(batch, seq_len)`` (``A=0 C=1 G=2 T=3 N=4``, see
    :mod:`genomenb.encode`), every sequence padded or truncated to one length
    by :func:`genomenb.encode.pad_codes`. The seed used Keras' ``pad_sequences`` defaults:
    padding *and* truncation at the start ("pre"), with the value 0 -- which in
    its coding was also the base A, so a short gene looked like a gene behind
    a run of As. Here the padding is ``N`` (code 4), a token of its own, still
    in front of the sequence: the forward LSTM then ends on the gene's last
    bases instead of on a run of padding.
Masking
    None: the padding token gets its own embedding row and the model learns
    to read through it, as the seed's model effectively did. ``mask_zero`` is
    ruled out because 0 is A, and :class:`keras.layers.Masking` compares
    feature vectors, not integer codes. A mask built from ``codes != 4`` would
    also hide the genuine ``N`` bases of a sequence, and it rules out
    cuDNN's fast LSTM on a GPU under TensorFlow (right-padded masks only).
    One consequence to keep in mind: with "pre" padding the *backward* LSTM
    of the last layer ends on the padding, so its final state has read
    ``seq_len - len(gene)`` padding steps after the gene.
    Do not combine pre-padded input with ``trim_padding`` in
    :func:`genomenb.training.train_supervised`: that trims *trailing*
    padding only, so it cuts nothing here and appends extra padding after
    the first batch's genes.
Outputs
    ``n_classes = 1``: ``(batch, 1)`` sigmoid probability of the positive
    class, trained with ``target="multilabel"`` and labels ``(N, 1)`` of 0/1.
    ``n_classes > 1``: ``(batch, n_classes)`` softmax, trained with
    ``target="multiclass"`` and integer labels ``(N,)``. ``n_classes = 2``
    is the binary problem written as two classes, which is how balanced
    class weights (``class_weight=True``) reach it.

Only ``keras.layers`` are used, so the model trains under the TensorFlow,
JAX and PyTorch backends and saves to a plain ``.keras`` file.

Examples
--------
>>> x = genomenb.encode.pad_codes(["ACGT", "GGCCGTA"], 6)  # doctest: +SKIP
>>> model = build_bilstm_classifier(ClassifierConfig(seq_len=6))  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras
import numpy as np

from genomenb.encode import N_CODE

__all__ = ["VOCAB_SIZE", "PAD_CODE", "ClassifierConfig", "build_bilstm_classifier", "compile_bilstm_classifier"]

VOCAB_SIZE = 5  # input codes A C G T N
PAD_CODE = N_CODE  # the padding token (genomenb.encode.pad_codes' default): N, never 0 (= A)


def _check_int(name: str, value: object, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return int(value)


@dataclass(frozen=True)
class ClassifierConfig:
    """Architecture of the bidirectional-LSTM classifier (defaults: the seed study's).

    Attributes
    ----------
    embedding_dim : int, default 50
        Size of the learned embedding of each code (padding included).
    units : int, default 62
        LSTM units per direction.
    layers : int, default 2
        Stacked bidirectional LSTM layers, 1..4; all but the last return
        their whole sequence, the last its final states (both directions
        concatenated, ``2 * units`` features).
    dropout : float, default 0.18
        Dropout rate after every bidirectional layer, in ``[0, 1)``.
    n_classes : int, default 1
        1: one sigmoid output (binary); more: a softmax over the classes.
    seq_len : int or None, default None
        Bases the LSTMs read (900 in the seed); ``None`` accepts any length.
    input_len : int or None, default None
        Width of the input when it is wider than ``seq_len``: the model then
        reads only the last ``seq_len`` codes of each row (a crop right after
        the embedding), exactly what :func:`genomenb.encode.pad_codes` would
        have given at ``seq_len`` with its default "pre" truncation. Models
        that read different lengths can so share one padded array (a grid
        over ``seq_len`` in :func:`genomenb.training.select_models`).
    """

    embedding_dim: int = 50
    units: int = 62
    layers: int = 2
    dropout: float = 0.18
    n_classes: int = 1
    seq_len: int | None = None
    input_len: int | None = None

    def __post_init__(self) -> None:
        for name, low, high in (("embedding_dim", 1, None), ("units", 1, None), ("layers", 1, 4),
                                ("n_classes", 1, None)):
            object.__setattr__(self, name, _check_int(name, getattr(self, name), low, high))
        if self.seq_len is not None:
            object.__setattr__(self, "seq_len", _check_int("seq_len", self.seq_len, 1))
        if self.input_len is not None:
            object.__setattr__(self, "input_len", _check_int("input_len", self.input_len, 1))
            if self.seq_len is None or self.seq_len > self.input_len:
                raise ValueError(f"input_len ({self.input_len}) needs a seq_len of at most input_len, "
                                 f"got {self.seq_len}")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float, np.floating)):
            raise TypeError(f"dropout must be a float, got {type(self.dropout).__name__}")
        if not 0.0 <= float(self.dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        object.__setattr__(self, "dropout", float(self.dropout))

    @property
    def target(self) -> str:
        """The :func:`genomenb.training.train_supervised` target of this output: multilabel or multiclass."""
        return "multilabel" if self.n_classes == 1 else "multiclass"

    def as_dict(self) -> dict:
        """The configuration as a plain dict (for JSON checkpoints and tables)."""
        return asdict(self)


def build_bilstm_classifier(config: ClassifierConfig | None = None, seq_len: int | None = None) -> keras.Model:
    """Build the (uncompiled) classifier: embedding, bidirectional LSTMs with dropout, sigmoid or softmax.

    Parameters
    ----------
    config : ClassifierConfig, optional
        Architecture; defaults to the seed's (embedding 50, 2 x BiLSTM 62,
        dropout 0.18, one sigmoid output).
    seq_len : int, optional
        Bases read; overrides ``config.seq_len`` (``None`` in both: any length).

    Returns
    -------
    keras.Model
        Input ``codes``: int32 ``(batch, input_len or seq_len)``, padded with ``N``
        (:func:`genomenb.encode.pad_codes`); output ``probabilities``: float32
        ``(batch, 1)`` sigmoid or ``(batch, n_classes)`` softmax.
    """
    config = config or ClassifierConfig()
    if not isinstance(config, ClassifierConfig):
        raise TypeError(f"config must be a ClassifierConfig, got {type(config).__name__}")
    seq_len = config.seq_len if seq_len is None else _check_int("seq_len", seq_len, 1)
    width = seq_len if config.input_len is None else max(config.input_len, seq_len)
    codes = keras.Input(shape=(width,), dtype="int32", name="codes")
    x = keras.layers.Embedding(VOCAB_SIZE, config.embedding_dim, name="embedding")(codes)
    if width != seq_len:  # read the last seq_len codes only
        x = keras.layers.Cropping1D((width - seq_len, 0), name="last_bases")(x)
    for i in range(config.layers):
        last = i == config.layers - 1
        x = keras.layers.Bidirectional(keras.layers.LSTM(config.units, return_sequences=not last),
                                       merge_mode="concat", name=f"bilstm_{i + 1}")(x)
        if config.dropout > 0:
            x = keras.layers.Dropout(config.dropout, name=f"dropout_{i + 1}")(x)
    binary = config.n_classes == 1
    probs = keras.layers.Dense(config.n_classes, activation="sigmoid" if binary else "softmax",
                               name="probabilities")(x)
    kind = "binary" if binary else f"{config.n_classes}class"
    return keras.Model(codes, probs, name=f"bilstm_classifier_{kind}_{config.layers}x{config.units}")


def compile_bilstm_classifier(model: keras.Model, learning_rate: float = 1e-3, *, clipnorm: float | None = None,
                              jit_compile: bool | str = "auto") -> keras.Model:
    """Compile for training outside :func:`genomenb.training.train_supervised` (which compiles by itself).

    Adam and the loss :func:`genomenb.training.train_supervised` uses for the
    output: the (masked) binary cross-entropy for one sigmoid output, the
    sparse categorical cross-entropy for a softmax.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`build_bilstm_classifier`.
    learning_rate : float, default 1e-3
    clipnorm : float or None
        Gradient-norm clipping for Adam.
    jit_compile : bool or "auto"
        Passed to :meth:`keras.Model.compile`. ``"auto"`` is Keras' own
        choice, as in ``train_supervised``: no XLA on a CPU under TensorFlow.
        Unlike the language models (see
        :func:`genomenb.models.charlm.compile_char_lm`), this model trains
        three to four times *slower* with XLA on a 2-core CPU (measured at
        batches of 50 and 400 sequences of 190 bases; see
        ``benchmarks/bench_bilstm_training.py``), so ``True`` is worth trying
        on an accelerator only.

    Returns
    -------
    keras.Model
        The same model, compiled.
    """
    from genomenb.models.losses import masked_binary_crossentropy

    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    binary = tuple(model.output_shape[1:]) == (1,)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=clipnorm),
                  loss=masked_binary_crossentropy if binary else "sparse_categorical_crossentropy",
                  jit_compile=jit_compile)
    return model
