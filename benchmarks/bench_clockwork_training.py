"""Clockwork RNN language-model training throughput against a GRU language model of equal parameter count.

The reference is the book's default genome language model (chapter 02): an
embedding of the five codes into 16 dimensions, two GRU layers of 128 units,
a softmax over A/C/G/T, Adam with gradient-norm clipping at 5, batches of 50
windows of 50 bases. The clockwork model is the same network with
``cell="cwrnn"`` (:mod:`genomenb.models.recurrent`, clock periods 1, 2, 4, 8
by default), its width chosen by :func:`genomenb.models.recurrent.matched_units`
(a multiple of the module count) so that the whole model has as many
parameters as the GRU one. Both are compiled by
:func:`genomenb.models.charlm.compile_char_lm` (the trainer's compile: XLA
under TensorFlow) and trained by ``keras.Model.fit`` on the very same batches,
cut from the *E. coli* K-12 training part by
:class:`genomenb.training.language_model.WindowBatches`, in the same process.
The two take turns (an untimed run of each first absorbs compilation) and the
fastest of ``--repeats`` timed runs of ``--steps`` steps is kept. Throughput is
target bases per second; the ratio is clockwork / GRU. Results go to
``benchmarks/results/clockwork_training.json`` under TensorFlow and
``clockwork_training_<backend>.json`` under another backend
(``KERAS_BACKEND=jax``). ``--jit-compile false`` times both without XLA.

Run from the repository root::

    .venv/bin/python benchmarks/bench_clockwork_training.py [--steps 60] [--repeats 3] [--periods 1 2 4 8]
    KERAS_BACKEND=jax .venv/bin/python benchmarks/bench_clockwork_training.py
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import interleaved_best, machine_info, print_table, write_results  # noqa: E402

SEED = 0
EMBEDDING_DIM = 16
JIT_CHOICES = {"auto": "auto", "true": True, "false": False}


def training_batches(seq_len: int, batch_size: int, steps: int):
    """The first ``steps`` batches of epoch 0 over the E. coli training part (int32 arrays)."""
    from genomenb.data import load_genome
    from genomenb.data.splits import split_genome
    from genomenb.training.language_model import WindowBatches

    split = split_genome(load_genome("ecoli_k12"))
    return WindowBatches(split.train_parts, seq_len, batch_size, epoch=0, seed=SEED,
                         bases_per_epoch=steps * batch_size * seq_len)


def model_config(cell: str, hidden: int, layers: int, periods: tuple[int, ...]):
    """The language model's configuration for ``cell`` (the periods only matter to ``cwrnn``)."""
    from genomenb.models.charlm import CharLMConfig

    return CharLMConfig(cell=cell, num_layers=layers, hidden_size=hidden, embedding_dim=EMBEDDING_DIM,
                        clock_periods=periods)


def clockwork_width(target: int, layers: int, periods: tuple[int, ...]) -> int:
    """The clockwork width whose language model has the parameter count closest to ``target``."""
    from genomenb.models.charlm import build_char_lm
    from genomenb.models.recurrent import matched_units

    return matched_units(lambda units: build_char_lm(model_config("cwrnn", units, layers, periods)), target,
                         multiple=len(periods))


def trainer(config, batches, learning_rate: float, jit_compile: bool | str = "auto"):
    """A function that runs one ``model.fit`` pass over ``batches``, the parameter count and whether XLA is on."""
    import keras

    from genomenb.models.charlm import build_char_lm, compile_char_lm

    keras.utils.set_random_seed(SEED)
    model = compile_char_lm(build_char_lm(config), learning_rate, jit_compile=jit_compile)

    def run() -> float:
        history = model.fit(batches, epochs=1, shuffle=False, verbose=0)
        return float(history.history["loss"][-1])

    return run, model.count_params(), bool(model.jit_compile)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="Adam steps per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per model; the fastest is kept")
    parser.add_argument("--seq-len", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--hidden", type=int, default=128, help="GRU units per layer (the reference)")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--periods", type=int, nargs="+", default=[1, 2, 4, 8], help="clock periods, fastest first")
    parser.add_argument("--learning-rate", type=float, default=0.002)
    parser.add_argument("--jit-compile", choices=JIT_CHOICES, default="auto",
                        help="compile_char_lm's jit_compile for both models (auto: the trainer's choice)")
    args = parser.parse_args(argv)

    import keras

    backend = keras.backend.backend()
    periods = tuple(args.periods)
    batches = training_batches(args.seq_len, args.batch_size, args.steps)
    bases = len(batches) * args.batch_size * args.seq_len
    gru_config = model_config("gru", args.hidden, args.layers, periods)
    jit = JIT_CHOICES[args.jit_compile]
    gru_run, gru_params, gru_xla = trainer(gru_config, batches, args.learning_rate, jit)
    width = clockwork_width(gru_params, args.layers, periods)
    cw_config = model_config("cwrnn", width, args.layers, periods)
    cw_run, cw_params, cw_xla = trainer(cw_config, batches, args.learning_rate, jit)

    seconds, losses = interleaved_best({"gru": gru_run, "cwrnn": cw_run}, args.repeats)
    gru_rate, cw_rate = bases / seconds["gru"], bases / seconds["cwrnn"]
    ratio = cw_rate / gru_rate
    print_table([
        [f"GRU {args.layers} x {args.hidden} (Keras 3, {backend})", gru_params, seconds["gru"], gru_rate,
         losses["gru"]],
        [f"clockwork {args.layers} x {width}, periods {periods} (Keras 3, {backend})", cw_params, seconds["cwrnn"],
         cw_rate, losses["cwrnn"]],
    ], ["model", "parameters", "seconds", "bases/s", "last loss"])
    print(f"ratio clockwork / GRU: {ratio:.2f}")
    results = {
        "benchmark": "clockwork RNN vs GRU language model of equal parameter count, training throughput on CPU",
        "settings": {"steps": len(batches), "repeats": args.repeats, "seq_len": args.seq_len,
                     "batch_size": args.batch_size, "layers": args.layers, "embedding_dim": EMBEDDING_DIM,
                     "learning_rate": args.learning_rate, "clipnorm": 5.0, "clock_periods": list(periods),
                     "data": "E. coli K-12 training part, WindowBatches epoch 0",
                     "compile": f"compile_char_lm (jit_compile={args.jit_compile!r})",
                     "timing": "models take turns after an untimed run each; fastest run of each kept"},
        "bases_per_run": bases,
        "keras_backend": backend,
        "keras": keras.__version__,
        "gru": {"hidden": args.hidden, "parameters": gru_params, "seconds": seconds["gru"],
                "bases_per_second": gru_rate, "last_loss": losses["gru"], "jit_compile": gru_xla},
        "clockwork": {"hidden": width, "parameters": cw_params, "seconds": seconds["cwrnn"],
                      "bases_per_second": cw_rate, "last_loss": losses["cwrnn"], "jit_compile": cw_xla},
        "ratio_clockwork_over_gru": ratio,
        "machine": machine_info(),
    }
    name = "clockwork_training" if backend == "tensorflow" else f"clockwork_training_{backend}"
    path = write_results(name, results)
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
