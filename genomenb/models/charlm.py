"""Genome language model: embedding -> recurrent layers -> softmax over the next base (or word).

The model reads integer codes (``uint8``/``int32``, ``A=0 C=1 G=2 T=3 N=4``,
see :mod:`genomenb.encode`) of shape ``(batch, seq_len)`` and predicts, at
every position ``t``, the distribution of the base at ``t + 1``: an output of
shape ``(batch, seq_len, 4)``, ``float32`` probabilities over ``A, C, G, T``.
``N`` has its own embedding row so an input window may hold one, but it is
never a target (the output has four classes only).

A *word* model (``word_size = k > 1``) reads genomic words instead of bases:
non-overlapping k-mers, token ``sum(code_j 4^(k-1-j))`` (``4^k`` for a word
holding an N, see :func:`word_tokens`), and predicts the next word over
``4^k`` classes. Its cross-entropy per word divided by ``k`` is a
cross-entropy per base, comparable with a character model's.

It is built from ``keras.layers`` only, so the same code trains under the
TensorFlow, JAX and PyTorch backends, and it saves to a plain ``.keras`` file
that :func:`keras.models.load_model` reopens without custom objects.

Examples
--------
>>> model = build_char_lm(CharLMConfig(cell="gru", num_layers=2, hidden_size=128))  # doctest: +SKIP
>>> compile_char_lm(model, learning_rate=0.002)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import keras
import numpy as np

from genomenb.kmers import kmer_codes
from genomenb.models.recurrent import CELLS, DEFAULT_CLOCK_PERIODS, check_clock_periods, matched_units, recurrent_layer

__all__ = ["CELLS", "MAX_WORD_SIZE", "CharLMConfig", "build_char_lm", "compile_char_lm", "matched_config",
           "word_size_of", "word_tokens"]

MAX_WORD_SIZE = 8  # 65,536 words: the largest softmax a CPU trains in reasonable time


@dataclass(frozen=True)
class CharLMConfig:
    """Architecture of a character-level genome language model.

    Attributes
    ----------
    cell : {"gru", "lstm", "rnn", "cwrnn"}
        Recurrent cell; ``"rnn"`` is a plain tanh :class:`keras.layers.SimpleRNN`,
        ``"cwrnn"`` the clockwork RNN (:mod:`genomenb.models.recurrent`).
    num_layers : int
        Stacked recurrent layers, 1..3.
    hidden_size : int
        Units per recurrent layer.
    embedding_dim : int
        Size of the learned embedding of each input code.
    dropout : float
        Dropout rate applied to the output of every recurrent layer during
        training, in ``[0, 1)`` (the seed study's "keep rate 1" is 0.0).
    word_size : int
        Bases per token: 1 for a character model, ``k`` for a model of
        non-overlapping k-mer words (``4^k`` output classes).
    clock_periods : tuple of int
        Module periods of the clockwork cell (``hidden_size`` must split into
        that many modules); unused by the other cells.
    """

    cell: str = "gru"
    num_layers: int = 2
    hidden_size: int = 128
    embedding_dim: int = 16
    dropout: float = 0.0
    word_size: int = 1
    clock_periods: tuple[int, ...] = DEFAULT_CLOCK_PERIODS

    def __post_init__(self) -> None:
        cell = str(self.cell).lower()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {self.cell!r}")
        object.__setattr__(self, "cell", cell)
        for name, low, high in (("num_layers", 1, 3), ("hidden_size", 1, None), ("embedding_dim", 1, None),
                                ("word_size", 1, MAX_WORD_SIZE)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
            if value < low or (high is not None and value > high):
                bound = f"between {low} and {high}" if high is not None else f">= {low}"
                raise ValueError(f"{name} must be {bound}, got {value}")
        if not 0.0 <= float(self.dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        periods = check_clock_periods(self.clock_periods, self.hidden_size if cell == "cwrnn" else None)
        object.__setattr__(self, "clock_periods", periods)

    @property
    def vocab_size(self) -> int:
        """Input tokens: every word of ``word_size`` bases, plus one for a word holding an N."""
        return 4 ** self.word_size + 1

    @property
    def n_targets(self) -> int:
        """Output classes: every word of ``word_size`` bases (4 for a character model)."""
        return 4 ** self.word_size

    def as_dict(self) -> dict:
        """The configuration as a plain dict (for JSON checkpoints and tables)."""
        return asdict(self)


def build_char_lm(config: CharLMConfig | None = None, seq_len: int | None = None) -> keras.Model:
    """Build the (uncompiled) language model.

    Parameters
    ----------
    config : CharLMConfig, optional
        Architecture; defaults to a 2-layer, 128-unit GRU.
    seq_len : int, optional
        Fixed window length; ``None`` (default) accepts any length.

    Returns
    -------
    keras.Model
        Input ``codes``: int32 ``(batch, seq_len)`` (tokens of a word model);
        output ``next_base``: float32 ``(batch, seq_len, 4 ** word_size)``
        softmax probabilities of the next base (or word).
    """
    config = config or CharLMConfig()
    codes = keras.Input(shape=(seq_len,), dtype="int32", name="codes")
    x = keras.layers.Embedding(config.vocab_size, config.embedding_dim, name="embedding")(codes)
    for i in range(config.num_layers):
        x = recurrent_layer(config.cell, config.hidden_size, return_sequences=True, name=f"{config.cell}_{i + 1}",
                            clock_periods=config.clock_periods)(x)
        if config.dropout > 0:
            x = keras.layers.Dropout(config.dropout, name=f"dropout_{i + 1}")(x)
    probs = keras.layers.Dense(config.n_targets, activation="softmax", name="next_base")(x)
    kind = "char_lm" if config.word_size == 1 else f"word{config.word_size}_lm"
    return keras.Model(codes, probs, name=f"{kind}_{config.cell}_{config.num_layers}x{config.hidden_size}")


def matched_config(reference: CharLMConfig, **changes) -> CharLMConfig:
    """``reference`` with ``changes`` (another cell, word size...), its width set to match ``reference``'s parameters.

    The hidden size is the one whose model has the parameter count closest to
    the reference model's (a multiple of the module count for a clockwork
    cell), so two architectures are compared at equal size.

    Examples
    --------
    >>> matched_config(CharLMConfig(hidden_size=128), cell="cwrnn").hidden_size  # doctest: +SKIP
    256
    """
    target = build_char_lm(reference).count_params()
    probe = replace(reference, **changes, hidden_size=reference.hidden_size)
    multiple = len(probe.clock_periods) if probe.cell == "cwrnn" else 1
    width = matched_units(lambda units: build_char_lm(replace(probe, hidden_size=units)), target, multiple=multiple)
    return replace(probe, hidden_size=width)


def word_size_of(model: keras.Model) -> int:
    """Bases per token of a language model, read from its output width (``4 ** word_size``)."""
    classes = int(model.output_shape[-1])
    k = int(round(np.log(classes) / np.log(4)))
    if 4 ** k != classes:
        raise ValueError(f"model {model.name!r} predicts {classes} classes, not a power of 4")
    return k


def word_tokens(codes: np.ndarray, word_size: int) -> np.ndarray:
    """Non-overlapping words of ``word_size`` bases as tokens of a word model.

    Parameters
    ----------
    codes : numpy.ndarray
        Base codes ``(..., L)`` with ``L`` a multiple of ``word_size``.
    word_size : int

    Returns
    -------
    numpy.ndarray
        ``int32`` ``(..., L // word_size)``: the base-4 code of each word, or
        ``4 ** word_size`` for a word holding an N. With ``word_size = 1`` the
        codes themselves.
    """
    if word_size == 1:
        return np.asarray(codes).astype(np.int32, copy=False)
    if codes.shape[-1] % word_size:
        raise ValueError(f"{codes.shape[-1]} bases do not split into words of {word_size}")
    tokens = kmer_codes(codes, word_size)[..., ::word_size]
    tokens[tokens < 0] = 4 ** word_size
    return tokens.astype(np.int32)


def compile_char_lm(model: keras.Model, learning_rate: float = 0.002, *, clipnorm: float | None = 5.0,
                    jit_compile: bool | str = "auto") -> keras.Model:
    """Compile with Adam and the mean next-base cross-entropy (nats) as the loss.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`build_char_lm`.
    learning_rate : float
        Adam step size.
    clipnorm : float or None, default 5.0
        Clip each gradient to this norm, as character-level RNNs usually do
        (``None`` disables clipping).
    jit_compile : bool or "auto"
        Passed to :meth:`keras.Model.compile`. ``"auto"`` means XLA under the
        TensorFlow backend whenever every layer supports it (Keras' own
        "auto" leaves it off on a CPU; for these recurrent models XLA trains
        about 1.3 times and predicts 2-3 times faster on a 2-core CPU,
        measured), and Keras' own choice under the other backends.

    Returns
    -------
    keras.Model
        The same model, compiled.
    """
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    if jit_compile == "auto" and keras.backend.backend() == "tensorflow":
        jit_compile = all(getattr(layer, "supports_jit", True) for layer in model.layers)
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=clipnorm)
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(),
                  jit_compile=jit_compile)
    return model
