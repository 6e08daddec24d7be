"""BiLSTM classifier training throughput: genomenb (Keras 3) vs the same model written in PyTorch.

The model is the resistance-gene classifier of the seed study ("LSTM resistance
classifier"): an embedding of the five codes into 50 dimensions, two
bidirectional LSTM layers of 62 units (the first returns its sequence, the
second its final states), dropout 0.18 after each, one sigmoid output; Adam
(1e-3) and the binary cross-entropy, batches of 400 (the seed's). The seed read
900 bases; the default here is 190 (``--seq-len 900`` for the seed's length,
about five times slower per sequence), so a run stays short on a small CPU.

genomenb's path is the one :func:`genomenb.training.train_supervised` takes for
a binary target: :class:`genomenb.training.batches.ArrayBatches` serves the
uint8 codes, the model is compiled the way ``train_supervised`` compiles it
(Adam, :func:`genomenb.models.losses.masked_binary_crossentropy`, Keras'
default ``jit_compile``, which is off on a CPU under TensorFlow) and
``keras.Model.fit`` runs one epoch. With ``--xla`` (the default under
TensorFlow) the same model is also timed compiled with XLA
(:func:`genomenb.models.classifier.compile_bilstm_classifier`), reported as
``genomenb_xla``. The tool a reader would otherwise write is the same network in
plain PyTorch (``torch.nn.Embedding`` -> ``torch.nn.LSTM(num_layers=2,
bidirectional=True, dropout=0.18)`` -> dropout -> ``torch.nn.Linear``,
``BCEWithLogitsLoss``, ``torch.optim.Adam``; PyTorch's LSTM has two bias
vectors where Keras' has one, 992 more parameters), trained on the very same
batches in the same process. The inputs are seeded random windows of the bundled
*E. coli* K-12 genome, the labels random (throughput does not depend on them).
An untimed run absorbs compilation; the tools then take turns for
``--repeats`` timed runs of ``--steps`` steps each (so load from other work on a
shared machine falls on all of them), and each tool's fastest run is kept.
Throughput is sequences per second; the ratio is genomenb / PyTorch. Results go
to ``benchmarks/results/bilstm_training.json``.

Run from the repository root::

    .venv/bin/python benchmarks/bench_bilstm_training.py [--steps 4] [--repeats 3] [--seq-len 190]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import interleaved_best, machine_info, print_table, write_results  # noqa: E402

SEED = 0
TARGET_RATIO = 1.0  # genomenb at least as fast as plain PyTorch on the CPU
EMBEDDING_DIM, UNITS, LAYERS, DROPOUT = 50, 62, 2, 0.18


def make_data(n: int, seq_len: int):
    """``n`` seeded random windows of ``seq_len`` bases of *E. coli* K-12 (uint8 codes) and 0/1 labels ``(n, 1)``."""
    import numpy as np

    from genomenb.data import load_genome
    from genomenb.encode import to_codes

    genome = to_codes(load_genome("ecoli_k12")[0].sequence)
    rng = np.random.default_rng(SEED)
    starts = rng.integers(0, len(genome) - seq_len, size=n)
    codes = genome[starts[:, None] + np.arange(seq_len)]
    labels = (rng.random((n, 1)) < 0.5).astype(np.float32)
    return codes, labels


def genomenb_trainer(codes, labels, batch_size: int, learning_rate: float, *, xla: bool):
    """One ``model.fit`` pass over :class:`ArrayBatches`, as :func:`genomenb.training.train_supervised` runs it."""
    import functools

    import keras

    from genomenb.models.classifier import ClassifierConfig, build_bilstm_classifier, compile_bilstm_classifier
    from genomenb.models.losses import masked_binary_crossentropy
    from genomenb.predict import prepare_batch
    from genomenb.training.batches import ArrayBatches

    keras.utils.set_random_seed(SEED)
    config = ClassifierConfig(embedding_dim=EMBEDDING_DIM, units=UNITS, layers=LAYERS, dropout=DROPOUT,
                              seq_len=codes.shape[1])
    model = build_bilstm_classifier(config)
    if xla:
        compile_bilstm_classifier(model, learning_rate, jit_compile=True)
    else:  # exactly train_supervised's compile
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss=masked_binary_crossentropy)
    batches = ArrayBatches(codes, labels, feed=functools.partial(prepare_batch, model), batch_size=batch_size,
                           shuffle=True, seed=SEED, fill_last_batch=True)

    def run() -> float:
        return float(model.fit(batches, epochs=1, shuffle=False, verbose=0).history["loss"][-1])

    return run, model.count_params(), batches


def pytorch_trainer(batches, learning_rate: float):
    """The same network, loss and optimizer in plain PyTorch, over the same batches."""
    import torch

    torch.manual_seed(SEED)

    class BiLSTMClassifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = torch.nn.Embedding(5, EMBEDDING_DIM)
            self.lstm = torch.nn.LSTM(EMBEDDING_DIM, UNITS, num_layers=LAYERS, batch_first=True, bidirectional=True,
                                      dropout=DROPOUT)  # dropout between the layers
            self.drop = torch.nn.Dropout(DROPOUT)
            self.head = torch.nn.Linear(2 * UNITS, 1)

        def forward(self, x):
            _, (h, _) = self.lstm(self.embedding(x))  # h: (layers * 2, batch, units); the last two: top layer
            return self.head(self.drop(torch.cat([h[-2], h[-1]], dim=1)))

    model = BiLSTMClassifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    data = [(torch.from_numpy(x).long(), torch.from_numpy(y)) for x, y in (batches[i] for i in range(len(batches)))]

    def run() -> float:
        model.train()
        total = 0.0
        for x, y in data:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += float(loss.detach())
        return total / len(data)

    return run, sum(p.numel() for p in model.parameters()), torch.__version__, torch.get_num_threads()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=4, help="Adam steps per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per tool; the fastest is kept")
    parser.add_argument("--seq-len", type=int, default=190, help="bases per sequence (the seed: 900)")
    parser.add_argument("--batch-size", type=int, default=400)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--xla", action=argparse.BooleanOptionalAction, default=None,
                        help="also time genomenb compiled with XLA (default: under TensorFlow)")
    args = parser.parse_args(argv)

    import keras

    backend = keras.backend.backend()
    xla = backend == "tensorflow" if args.xla is None else args.xla
    n = args.steps * args.batch_size
    codes, labels = make_data(n, args.seq_len)
    runs = {}
    gnb_run, gnb_params, batches = genomenb_trainer(codes, labels, args.batch_size, args.learning_rate, xla=False)
    runs["genomenb"] = gnb_run
    if xla:
        runs["genomenb_xla"] = genomenb_trainer(codes, labels, args.batch_size, args.learning_rate, xla=True)[0]
    try:
        torch_run, torch_params, torch_version, torch_threads = pytorch_trainer(batches, args.learning_rate)
    except ImportError:
        raise SystemExit("PyTorch is not installed: pip install -r requirements-backends.txt") from None
    runs["pytorch"] = torch_run
    seconds, losses = interleaved_best(runs, args.repeats)
    gnb_s, torch_s = seconds["genomenb"], seconds["pytorch"]
    rows = [[f"genomenb (Keras 3, {backend}, train_supervised's compile)", gnb_params, gnb_s, n / gnb_s,
             losses["genomenb"]]]
    xla_result = None
    if xla:
        xla_s = seconds["genomenb_xla"]
        rows.append([f"genomenb (Keras 3, {backend}, jit_compile=True)", gnb_params, xla_s, n / xla_s,
                     losses["genomenb_xla"]])
        xla_result = {"seconds": xla_s, "sequences_per_second": n / xla_s, "last_loss": losses["genomenb_xla"]}
    rows.append(["plain PyTorch (torch.nn.LSTM, bidirectional)", torch_params, torch_s, n / torch_s,
                 losses["pytorch"]])
    gnb_loss, torch_loss = losses["genomenb"], losses["pytorch"]

    gnb_rate, torch_rate = n / gnb_s, n / torch_s
    ratio = gnb_rate / torch_rate
    print_table(rows, ["tool", "parameters", "seconds", "sequences/s", "last loss"])
    print(f"ratio genomenb / PyTorch: {ratio:.2f} (target >= {TARGET_RATIO})")
    if xla_result:
        xla_result["ratio_over_pytorch"] = xla_result["sequences_per_second"] / torch_rate
        print(f"ratio genomenb with XLA / PyTorch: {xla_result['ratio_over_pytorch']:.2f}")
    results = {
        "benchmark": "embedding 50, 2 x BiLSTM 62, sigmoid classifier: training throughput on CPU",
        "settings": {"steps": args.steps, "repeats": args.repeats, "seq_len": args.seq_len,
                     "batch_size": args.batch_size, "sequences_per_run": n, "embedding_dim": EMBEDDING_DIM,
                     "units": UNITS, "layers": LAYERS, "dropout": DROPOUT, "learning_rate": args.learning_rate,
                     "data": "seeded random windows of E. coli K-12, random 0/1 labels",
                     "timing": "tools take turns after an untimed run each; fastest run of each kept"},
        "genomenb": {"keras_backend": backend, "keras": keras.__version__, "parameters": gnb_params,
                     "seconds": gnb_s, "sequences_per_second": gnb_rate, "last_loss": gnb_loss,
                     "jit_compile": "keras default (train_supervised)"},
        "pytorch": {"torch": torch_version, "threads": torch_threads, "parameters": torch_params,
                    "seconds": torch_s, "sequences_per_second": torch_rate, "last_loss": torch_loss},
        "ratio_genomenb_over_pytorch": ratio,
        "target_ratio": TARGET_RATIO,
        "target_met": bool(ratio >= TARGET_RATIO),
        "machine": machine_info(),
    }
    if xla_result:
        results["genomenb_xla"] = xla_result
    path = write_results("bilstm_training", results)
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
