"""Multitask training throughput: the bidirectional GRU and the DeepSEA CNN, genomenb (Keras 3) vs plain PyTorch.

The models are the chromatin chapter's, at the paper's sizes, on 100-bp inputs
with 919 sigmoid outputs: the Zhang & Kamath network (a bias-free embedding of
the one-hot bases into 2 dimensions, two bidirectional GRU layers of 128 units,
the last states of both directions concatenated, dropout 0.05) and the DeepSEA
CNN (convolutions of 320/480/960 filters of width 8, 'same' padding since 100
bases are too short for 'valid', max-pooling 4, dropout 0.2/0.2/0.5, dense 925).
Both are trained with Adam (1e-3) and the binary cross-entropy, batches of 20
(the paper's batch size).

genomenb's path is the one the notebooks use: :class:`genomenb.training.batches.ArrayBatches`
builds each batch's one-hot array from uint8 codes, ``keras.Model.fit`` runs
the steps. The tool a reader would otherwise write is the same network in plain
PyTorch (``torch.nn.GRU(bidirectional=True)`` / ``torch.nn.Conv1d``), on the
same batches, in the same process (on the GPU when PyTorch sees one; run the
script with ``KERAS_BACKEND=jax`` or ``torch`` on a GPU machine to put the Keras
side there too, and the results go to ``multitask_training_gpu.json``). Throughput does not depend on the DNA, so
the input is seeded random sequences with 2% positive labels. An untimed run
absorbs compilation; the fastest of ``--repeats`` timed runs of ``--steps``
steps is kept. Results: ``benchmarks/results/multitask_training.json``
(sequences per second, and the ratio genomenb / PyTorch).

Run from the repository root::

    .venv/bin/python benchmarks/bench_multitask_training.py [--steps 40] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import best_of, machine_info, print_table, write_results  # noqa: E402

SEED = 0
SEQ_LEN = 100
N_TASKS = 919


def make_data(n: int):
    """Seeded random codes ``(n, 100)`` uint8 and 0/1 labels ``(n, 919)`` float32 (2% positives)."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    codes = rng.integers(0, 4, size=(n, SEQ_LEN)).astype(np.uint8)
    labels = (rng.random((n, N_TASKS)) < 0.02).astype(np.float32)
    return codes, labels


def genomenb_trainer(family: str, codes, labels, batch_size: int, learning_rate: float):
    """One ``model.fit`` pass over :class:`ArrayBatches`, as :func:`genomenb.training.train_supervised` runs it."""
    import functools

    import keras

    from genomenb.models.losses import masked_binary_crossentropy
    from genomenb.models.multitask import build_multitask_model
    from genomenb.predict import prepare_batch
    from genomenb.training.batches import ArrayBatches

    sizes = {"bigru": {}, "deepsea": {"padding": "same"}}[family]
    keras.utils.set_random_seed(SEED)
    model = build_multitask_model(family, SEQ_LEN, N_TASKS, **sizes)
    model.compile(keras.optimizers.Adam(learning_rate), loss=masked_binary_crossentropy)
    batches = ArrayBatches(codes, labels, feed=functools.partial(prepare_batch, model), batch_size=batch_size,
                           shuffle=True, seed=SEED, fill_last_batch=True)

    def run() -> float:
        return float(model.fit(batches, epochs=1, shuffle=False, verbose=0).history["loss"][-1])

    return run, model.count_params()


def pytorch_trainer(family: str, codes, labels, batch_size: int, learning_rate: float):
    """The same network, loss and optimizer in plain PyTorch, on the same one-hot batches."""
    import torch

    from genomenb.encode import one_hot

    torch.manual_seed(SEED)

    class BiGRU(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Linear(4, 2, bias=False)
            self.gru = torch.nn.GRU(2, 128, num_layers=2, batch_first=True, bidirectional=True)
            self.drop = torch.nn.Dropout(0.05)
            self.head = torch.nn.Linear(256, N_TASKS)

        def forward(self, x):
            _, h = self.gru(self.embed(x))  # h: (layers * 2, batch, 128); the last two are the top layer
            return self.head(self.drop(torch.cat([h[-2], h[-1]], dim=1)))

    class DeepSEA(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = torch.nn.Sequential(
                torch.nn.Conv1d(4, 320, 8, padding="same"), torch.nn.ReLU(), torch.nn.MaxPool1d(4),
                torch.nn.Dropout(0.2),
                torch.nn.Conv1d(320, 480, 8, padding="same"), torch.nn.ReLU(), torch.nn.MaxPool1d(4),
                torch.nn.Dropout(0.2),
                torch.nn.Conv1d(480, 960, 8, padding="same"), torch.nn.ReLU(), torch.nn.Dropout(0.5),
                torch.nn.Flatten(), torch.nn.Linear(960 * (SEQ_LEN // 16), 925), torch.nn.ReLU(),
                torch.nn.Linear(925, N_TASKS))

        def forward(self, x):
            return self.body(x.transpose(1, 2))  # channels first for Conv1d

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = {"bigru": BiGRU, "deepsea": DeepSEA}[family]().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    order = torch.randperm(len(codes), generator=torch.Generator().manual_seed(SEED)).numpy()

    def run() -> float:
        model.train()
        total, steps = 0.0, 0
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            x = torch.from_numpy(one_hot(codes[rows])).to(device)
            y = torch.from_numpy(labels[rows]).to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += float(loss.detach())
            steps += 1
        return total / steps

    where = torch.cuda.get_device_name(0) if device.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    return run, sum(p.numel() for p in model.parameters()), torch.__version__, where


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=40, help="Adam steps per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per tool; the fastest is kept")
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    args = parser.parse_args(argv)

    import keras

    from genomenb.backend import accelerators

    n = args.steps * args.batch_size
    codes, labels = make_data(n)
    rows, results = [], {}
    for family, title in (("bigru", "bidirectional GRU (2 x 128)"), ("deepsea", "DeepSEA CNN (320/480/960)")):
        gnb_run, gnb_params = genomenb_trainer(family, codes, labels, args.batch_size, args.learning_rate)
        gnb_s, gnb_loss = best_of(gnb_run, repeats=args.repeats, warmup=1)
        try:
            torch_run, torch_params, torch_version, torch_device = pytorch_trainer(
                family, codes, labels, args.batch_size, args.learning_rate)
        except ImportError:
            raise SystemExit("PyTorch is not installed: pip install -r requirements-backends.txt") from None
        torch_s, torch_loss = best_of(torch_run, repeats=args.repeats, warmup=1)
        gnb_rate, torch_rate = n / gnb_s, n / torch_s
        rows.append([f"{title}, genomenb (Keras 3, {keras.backend.backend()})", gnb_params, gnb_s, gnb_rate])
        rows.append([f"{title}, plain PyTorch", torch_params, torch_s, torch_rate])
        results[family] = {
            "model": title,
            "genomenb": {"keras_backend": keras.backend.backend(), "keras": keras.__version__,
                         "parameters": gnb_params, "seconds": gnb_s, "sequences_per_second": gnb_rate,
                         "last_loss": gnb_loss},
            "pytorch": {"torch": torch_version, "device": torch_device, "parameters": torch_params,
                        "seconds": torch_s, "sequences_per_second": torch_rate, "last_loss": torch_loss},
            "ratio_genomenb_over_pytorch": gnb_rate / torch_rate,
        }
    print_table(rows, ["model and tool", "parameters", "seconds", "sequences/s"])
    for family, r in results.items():
        print(f"{family}: ratio genomenb / PyTorch {r['ratio_genomenb_over_pytorch']:.2f}")
    payload = {
        "benchmark": "919-task multitask training throughput on 100-bp inputs (CPU unless a GPU is listed)",
        "settings": {"steps": args.steps, "repeats": args.repeats, "batch_size": args.batch_size,
                     "sequences_per_run": n, "sequence_length": SEQ_LEN, "tasks": N_TASKS,
                     "learning_rate": args.learning_rate, "data": "seeded random sequences, 2% positive labels"},
        "accelerators": accelerators(),
        **results,
        "machine": machine_info(),
    }
    # a GPU run is kept beside the CPU one instead of replacing it
    path = write_results("multitask_training_gpu" if payload["accelerators"] else "multitask_training", payload)
    print(f"wrote {path}")
    return payload


if __name__ == "__main__":
    main()
