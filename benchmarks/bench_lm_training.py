"""Language-model training throughput: genomenb (Keras 3) vs the same model written in PyTorch.

The model is the book's default genome language model: an embedding of the
five codes into 16 dimensions, two GRU layers of 128 units, a softmax over
A/C/G/T; Adam with gradient-norm clipping at 5, batches of 50 windows of 50
bases (the seed study's settings). The tool a reader would otherwise write is
the same thing in plain PyTorch (``torch.nn.Embedding`` -> ``torch.nn.GRU`` ->
``torch.nn.Linear``, cross-entropy, ``torch.optim.Adam``). Both train on the
very same batches, cut from the *E. coli* training part by
:class:`genomenb.training.language_model.WindowBatches`, in the same process, one after the
other, and the fastest of ``--repeats`` timed runs of ``--steps`` steps is
kept (an untimed run first absorbs compilation). Throughput is target bases
per second; the ratio is genomenb / PyTorch. Results go to
``benchmarks/results/lm_training.json``.

Run from the repository root::

    .venv/bin/python benchmarks/bench_lm_training.py [--steps 60] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import best_of, machine_info, print_table, write_results  # noqa: E402

SEED = 0
TARGET_RATIO = 1.0  # genomenb at least as fast as plain PyTorch on the CPU


def training_batches(seq_len: int, batch_size: int, steps: int):
    """The first ``steps`` batches of epoch 0 over the E. coli training part (int32 arrays)."""
    from genomenb.data import load_genome
    from genomenb.data.splits import split_genome
    from genomenb.training.language_model import WindowBatches

    split = split_genome(load_genome("ecoli_k12"))
    batches = WindowBatches(split.train_parts, seq_len, batch_size, epoch=0, seed=SEED,
                            bases_per_epoch=steps * batch_size * seq_len)
    return batches


def genomenb_trainer(batches, hidden: int, layers: int, learning_rate: float):
    """A function that runs one ``model.fit`` pass over ``batches`` with the genomenb model."""
    import keras

    from genomenb.models.charlm import CharLMConfig, build_char_lm, compile_char_lm

    keras.utils.set_random_seed(SEED)
    model = compile_char_lm(build_char_lm(CharLMConfig(cell="gru", num_layers=layers, hidden_size=hidden,
                                                       embedding_dim=16)), learning_rate)

    def run() -> float:
        history = model.fit(batches, epochs=1, shuffle=False, verbose=0)
        return float(history.history["loss"][-1])

    return run, model.count_params()


def pytorch_trainer(batches, hidden: int, layers: int, learning_rate: float):
    """The same model, loss and optimizer written directly in PyTorch, over the same batches."""
    import torch

    torch.manual_seed(SEED)

    class CharGRU(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = torch.nn.Embedding(5, 16)
            self.gru = torch.nn.GRU(16, hidden, num_layers=layers, batch_first=True)
            self.head = torch.nn.Linear(hidden, 4)

        def forward(self, x):
            return self.head(self.gru(self.embedding(x))[0])

    model = CharGRU()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    data = [(torch.from_numpy(x).long(), torch.from_numpy(y).long())
            for x, y in (batches[i] for i in range(len(batches)))]

    def run() -> float:
        model.train()
        total = 0.0
        for x, y in data:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, 4), y.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            total += float(loss.detach())
        return total / len(data)

    return run, sum(p.numel() for p in model.parameters()), torch.__version__, torch.get_num_threads()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="Adam steps per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per tool; the fastest is kept")
    parser.add_argument("--seq-len", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--learning-rate", type=float, default=0.002)
    args = parser.parse_args(argv)

    import keras

    batches = training_batches(args.seq_len, args.batch_size, args.steps)
    bases = len(batches) * args.batch_size * args.seq_len
    gnb_run, gnb_params = genomenb_trainer(batches, args.hidden, args.layers, args.learning_rate)
    gnb_s, gnb_loss = best_of(gnb_run, repeats=args.repeats, warmup=1)
    try:
        torch_run, torch_params, torch_version, torch_threads = pytorch_trainer(
            batches, args.hidden, args.layers, args.learning_rate)
    except ImportError:
        raise SystemExit("PyTorch is not installed: pip install -r requirements-backends.txt") from None
    torch_s, torch_loss = best_of(torch_run, repeats=args.repeats, warmup=1)

    gnb_rate, torch_rate = bases / gnb_s, bases / torch_s
    ratio = gnb_rate / torch_rate
    print_table([
        ["genomenb (Keras 3, " + keras.backend.backend() + ")", gnb_params, gnb_s, gnb_rate, gnb_loss],
        ["plain PyTorch (torch.nn.GRU)", torch_params, torch_s, torch_rate, torch_loss],
    ], ["tool", "parameters", "seconds", "bases/s", "last loss"])
    print(f"ratio genomenb / PyTorch: {ratio:.2f} (target >= {TARGET_RATIO})")
    results = {
        "benchmark": "2-layer 128-unit GRU language model, training throughput on CPU",
        "settings": {"steps": len(batches), "repeats": args.repeats, "seq_len": args.seq_len,
                     "batch_size": args.batch_size, "hidden": args.hidden, "layers": args.layers,
                     "embedding_dim": 16, "learning_rate": args.learning_rate, "clipnorm": 5.0,
                     "data": "E. coli K-12 training part, WindowBatches epoch 0"},
        "bases_per_run": bases,
        "genomenb": {"keras_backend": keras.backend.backend(), "keras": keras.__version__, "parameters": gnb_params,
                     "seconds": gnb_s, "bases_per_second": gnb_rate, "last_loss": gnb_loss},
        "pytorch": {"torch": torch_version, "threads": torch_threads, "parameters": torch_params,
                    "seconds": torch_s, "bases_per_second": torch_rate, "last_loss": torch_loss},
        "ratio_genomenb_over_pytorch": ratio,
        "target_ratio": TARGET_RATIO,
        "target_met": bool(ratio >= TARGET_RATIO),
        "machine": machine_info(),
    }
    path = write_results("lm_training", results)
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
