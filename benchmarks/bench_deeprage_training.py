"""DeepRAGE concatenation-model training throughput: genomenb (Keras 3) vs the same model written in PyTorch.

The model is :func:`genomenb.models.deeprage.build_deeprage` with
``DeepRageConfig(join="concat", output="regression")`` at its default sizes,
on the real yeast data (:func:`genomenb.data.yeast.load_yeast`): a batch of B
one-hot 1000-bp promoters goes through ``Conv1D`` (32 filters of width 12,
ReLU, "same" padding), max-pooling by 10 and dropout 0.2, flattened to
``L' F = 3200`` features; the fixed MEDUSA matrix of the C = 173 conditions x
472 regulators through a dense ReLU layer of 32 units and dropout; the first
dense layer (64, ReLU) sees the concatenation of every gene-condition pair, a
second one (64, ReLU) follows, each with dropout 0.2, and one linear output per
pair gives ``(B, C)`` log2 ratios. The loss is the masked mean squared error
(NaN cells of the Gasch matrix carry no target), Adam (1e-3), batches of 32.

genomenb's path is the one :func:`genomenb.training.train_supervised` takes for
``target="regression"`` with NaN targets: :class:`genomenb.training.batches.ArrayBatches`
one-hot encodes each batch of uint8 promoter codes (``prepare_batch``), the
model is compiled as ``train_supervised`` compiles it (Adam and
``targets.loss_for("regression", y)``, i.e.
:func:`genomenb.models.losses.masked_mean_squared_error`) and
``keras.Model.fit`` runs one epoch. genomenb never builds the ``(B, C, L' F + H)``
join tensor: the first dense layer is computed as the sum of its two halves,
``W_p p + W_g g + b`` (:class:`genomenb.models.deeprage.PairSum`).

The tool a reader would otherwise write is the same network in plain PyTorch
(``Conv1d(padding="same")``, ``MaxPool1d``, ``Dropout``, ``Linear``,
``torch.optim.Adam``, the masked MSE written out), in two versions:
``pytorch`` concatenates literally, broadcasting promoter and regulator
features to ``(B, C, L' F + H)`` and applying ``Linear`` to it, as the paper
describes the join; ``pytorch_two_halves`` uses genomenb's trick (``Linear(L' F)``
on the promoters plus a bias-free ``Linear(H)`` on the conditions, broadcast
and summed). Both are checked to compute the same function before timing. All
three train on the very same batches in the same process (PyTorch gets them
materialised once, as in the other benchmarks). An untimed run absorbs
compilation; the tools then take turns for ``--repeats`` timed runs of
``--steps`` steps each and each tool's fastest is kept. Throughput is
promoters (sequences) per second and gene-condition pairs per second (B C per
batch); the ratios are genomenb / PyTorch. With ``--memory`` (the default)
each tool also trains one epoch alone in a child process, whose peak resident
memory (``ru_maxrss``) is reported beside its resident memory after setup.
PyTorch runs with its default thread count (what a reader gets);
``--torch-threads 1`` shows how much of its time on a loaded shared CPU goes to
waiting for its second thread. Results go to
``benchmarks/results/deeprage_training.json``.

Run from the repository root::

    .venv/bin/python benchmarks/bench_deeprage_training.py [--steps 8] [--repeats 3] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import interleaved_best, machine_info, print_table, write_results  # noqa: E402

SEED = 0
TARGET_RATIO = 1.0  # genomenb at least as fast as the literal PyTorch concatenation on the CPU
TOOLS = ("genomenb", "pytorch", "pytorch_two_halves")


def make_data(n: int):
    """``n`` seeded genes of the Gasch yeast bundle: promoter codes ``(n, 1000)``, targets ``(n, C)`` (NaN kept),
    and the MEDUSA regulator matrix ``(C, R)``."""
    import numpy as np

    from genomenb.data.yeast import load_yeast, regulator_matrix

    data = load_yeast()
    if n > data.n_genes:
        raise ValueError(f"steps x batch size = {n} promoters, but the bundle has only {data.n_genes} genes")
    rows = np.sort(np.random.default_rng(SEED).choice(data.n_genes, size=n, replace=False))
    return data.promoters[rows], data.expression[rows], regulator_matrix(data).values


def genomenb_trainer(codes, targets, regulators, batch_size: int, learning_rate: float):
    """One ``model.fit`` pass over :class:`ArrayBatches`, as :func:`genomenb.training.train_supervised` runs it."""
    import functools

    import keras
    import numpy as np

    from genomenb.models.deeprage import DeepRageConfig, build_deeprage
    from genomenb.models.losses import masked_mean_squared_error
    from genomenb.predict import prepare_batch
    from genomenb.training import targets as target_kinds
    from genomenb.training.batches import ArrayBatches

    keras.utils.set_random_seed(SEED)
    config = DeepRageConfig(join="concat", output="regression")
    model = build_deeprage(config, regulators)
    loss = target_kinds.loss_for("regression", targets)
    assert loss is masked_mean_squared_error, "the Gasch targets hold NaN: train_supervised uses the masked MSE"
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=None), loss=loss)
    batches = ArrayBatches(codes, targets, feed=functools.partial(prepare_batch, model), batch_size=batch_size,
                           shuffle=True, seed=SEED, fill_last_batch=True)

    def run() -> float:
        return float(model.fit(batches, epochs=1, shuffle=False, verbose=0).history["loss"][-1])

    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return run, trainable, batches, config


def pytorch_trainers(batches, regulators, config, learning_rate: float, threads: int | None = None, *,
                     check: bool = True) -> tuple:
    """The same network, masked MSE and Adam in plain PyTorch: the literal concatenation and the two halves.

    ``threads`` sets ``torch.set_num_threads`` (default: PyTorch's own, what a reader gets). ``check``: assert
    that both versions, given the same weights, compute the same outputs on the first batch (a forward
    pass through the literal join, left out where memory is measured).
    """
    import numpy as np
    import torch

    if threads:
        torch.set_num_threads(threads)

    f, k, pool, h = config.filters, config.kernel, config.pool, config.regulator_units
    flat = config.positions * f
    d1, d2 = config.dense_units

    class DeepRageConcat(torch.nn.Module):
        def __init__(self, two_halves: bool) -> None:
            super().__init__()
            self.two_halves = two_halves
            self.register_buffer("regulators", torch.from_numpy(np.asarray(regulators, dtype=np.float32)))
            self.promoter = torch.nn.Sequential(
                torch.nn.Conv1d(4, f, k, padding="same"), torch.nn.ReLU(), torch.nn.MaxPool1d(pool),
                torch.nn.Dropout(config.dropout), torch.nn.Flatten())
            self.regulator = torch.nn.Sequential(torch.nn.Linear(regulators.shape[1], h), torch.nn.ReLU(),
                                                 torch.nn.Dropout(config.dropout))
            if two_halves:
                self.dense_p = torch.nn.Linear(flat, d1)
                self.dense_g = torch.nn.Linear(h, d1, bias=False)
            else:
                self.dense_1 = torch.nn.Linear(flat + h, d1)
            self.head = torch.nn.Sequential(
                torch.nn.ReLU(), torch.nn.Dropout(config.dropout), torch.nn.Linear(d1, d2), torch.nn.ReLU(),
                torch.nn.Dropout(config.dropout), torch.nn.Linear(d2, 1))

        def forward(self, x):
            p = self.promoter(x.transpose(1, 2))  # (B, L' F); Conv1d wants channels first
            g = self.regulator(self.regulators)  # (C, H)
            b, c = p.shape[0], g.shape[0]
            if self.two_halves:
                z = self.dense_p(p)[:, None, :] + self.dense_g(g)[None, :, :]  # (B, C, D)
            else:
                pairs = torch.cat([p[:, None, :].expand(b, c, p.shape[1]), g[None].expand(b, c, g.shape[1])], -1)
                z = self.dense_1(pairs)  # pairs: (B, C, L' F + H)
            return self.head(z).squeeze(-1)  # (B, C)

    def masked_mse(pred, y):
        mask = ~torch.isnan(y)
        diff = (pred - torch.nan_to_num(y)) * mask
        per_gene = diff.square().sum(1) / mask.sum(1).clamp(min=1)
        return per_gene.mean()

    data = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in (batches[i] for i in range(len(batches)))]
    torch.manual_seed(SEED)
    literal, halves = DeepRageConcat(False), DeepRageConcat(True)
    with torch.no_grad():  # the same weights: the two halves are the literal first layer split at L' F
        halves.load_state_dict({key: v for key, v in literal.state_dict().items() if not key.startswith("dense_1")},
                               strict=False)
        halves.dense_p.weight.copy_(literal.dense_1.weight[:, :flat])
        halves.dense_p.bias.copy_(literal.dense_1.bias)
        halves.dense_g.weight.copy_(literal.dense_1.weight[:, flat:])
        if check:
            literal.eval()
            halves.eval()
            x0 = data[0][0]
            if not torch.allclose(literal(x0), halves(x0), rtol=1e-4, atol=1e-5):
                raise AssertionError("the two PyTorch versions do not compute the same function")

    trainers = {}
    for name, model in (("pytorch", literal), ("pytorch_two_halves", halves)):
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

        def run(model=model, optimizer=optimizer) -> float:
            model.train()
            total = 0.0
            for x, y in data:
                optimizer.zero_grad()
                loss = masked_mse(model(x), y)
                loss.backward()
                optimizer.step()
                total += float(loss.detach())
            return total / len(data)

        trainers[name] = (run, sum(p.numel() for p in model.parameters()))
    return trainers, torch.__version__, torch.get_num_threads()


def _maxrss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def memory_child(tool: str, args) -> None:
    """Set up ``tool`` alone, train one epoch, print its resident memory after setup and at its peak (JSON)."""
    codes, targets, regulators = make_data(args.steps * args.batch_size)
    if tool == "genomenb":
        run = genomenb_trainer(codes, targets, regulators, args.batch_size, args.learning_rate)[0]
    else:  # the PyTorch versions get the same batches, one-hot encoded without a Keras model
        from genomenb.encode import one_hot
        from genomenb.models.deeprage import DeepRageConfig
        from genomenb.training.batches import ArrayBatches

        batches = ArrayBatches(codes, targets, feed=one_hot, batch_size=args.batch_size, shuffle=True, seed=SEED,
                               fill_last_batch=True)
        trainers = pytorch_trainers(batches, regulators, DeepRageConfig(join="concat"), args.learning_rate,
                                    args.torch_threads, check=False)[0]
        run = trainers[tool][0]
    setup = _maxrss_mib()
    run()
    print(json.dumps({"setup_rss_mib": setup, "peak_rss_mib": _maxrss_mib()}))


def measure_memory(args) -> dict:
    """Peak RSS of every tool, each in its own child process (PyTorch's under ``KERAS_BACKEND=torch``: no TF).

    Call it while this process is still small: Linux carries the resident
    peak of a process over ``exec``, so a child started from a parent that
    has already loaded TensorFlow and PyTorch would report the parent's peak.
    """
    out = {}
    for tool in TOOLS:
        env = dict(os.environ)
        if tool != "genomenb":
            env["KERAS_BACKEND"] = "torch"  # the PyTorch children import Keras only for ArrayBatches
        cmd = [sys.executable, os.path.abspath(__file__), "--memory-child", tool, "--steps", str(args.steps),
               "--batch-size", str(args.batch_size), "--learning-rate", str(args.learning_rate),
               "--torch-threads", str(args.torch_threads or 0)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"memory child for {tool} failed:\n{done.stderr[-2000:]}")
        r = json.loads(done.stdout.strip().splitlines()[-1])
        r["training_rss_mib"] = r["peak_rss_mib"] - r["setup_rss_mib"]
        out[tool] = {key: round(v, 1) for key, v in r.items()}
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=8, help="Adam steps per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per tool; the fastest is kept")
    parser.add_argument("--batch-size", type=int, default=32, help="promoters per step (x 173 conditions)")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--memory", action=argparse.BooleanOptionalAction, default=True,
                        help="peak resident memory of each tool, one child process each")
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="torch.set_num_threads for the PyTorch versions (0: PyTorch's default)")
    parser.add_argument("--memory-child", choices=TOOLS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args)
        return {}

    memory = measure_memory(args) if args.memory else {}  # first, while this process is small

    import keras
    import numpy as np

    backend = keras.backend.backend()
    n = args.steps * args.batch_size
    codes, targets, regulators = make_data(n)
    n_conditions, n_regulators = regulators.shape
    gnb_run, gnb_params, batches, config = genomenb_trainer(codes, targets, regulators, args.batch_size,
                                                            args.learning_rate)
    try:
        trainers, torch_version, torch_threads = pytorch_trainers(batches, regulators, config, args.learning_rate,
                                                                  args.torch_threads)
    except ImportError:
        raise SystemExit("PyTorch is not installed: pip install -r requirements-backends.txt") from None
    runs = {"genomenb": gnb_run, **{name: t[0] for name, t in trainers.items()}}
    params = {"genomenb": gnb_params, **{name: t[1] for name, t in trainers.items()}}
    seconds, losses = interleaved_best(runs, args.repeats)

    titles = {"genomenb": f"genomenb (Keras 3, {backend}, train_supervised's compile)",
              "pytorch": "plain PyTorch, literal (B, C, L'F+H) concatenation",
              "pytorch_two_halves": "plain PyTorch, two halves W_p p + W_g g"}
    rows, parts = [], {}
    for tool in TOOLS:
        s = seconds[tool]
        part = {"parameters": params[tool], "seconds": s, "sequences_per_second": n / s,
                "pairs_per_second": n * n_conditions / s, "last_loss": losses[tool]}
        if tool in memory:
            part["memory"] = memory[tool]
        parts[tool] = part
        rows.append([titles[tool], params[tool], s, n / s, n * n_conditions / s, losses[tool],
                     memory.get(tool, {}).get("peak_rss_mib", "-")])
    ratio = parts["genomenb"]["sequences_per_second"] / parts["pytorch"]["sequences_per_second"]
    ratio_halves = parts["genomenb"]["sequences_per_second"] / parts["pytorch_two_halves"]["sequences_per_second"]
    print_table(rows, ["tool", "trainable parameters", "seconds", "promoters/s", "pairs/s", "last loss",
                       "peak RSS MiB"])
    print(f"ratio genomenb / PyTorch literal concatenation: {ratio:.2f} (target >= {TARGET_RATIO})")
    print(f"ratio genomenb / PyTorch two halves: {ratio_halves:.2f}")
    join_mib = n_conditions * (config.positions * config.filters + config.regulator_units) * 4 / 2**20
    results = {
        "benchmark": "DeepRAGE concatenation model (promoter CNN x MEDUSA regulators, 173 conditions), regression "
                     "training throughput on CPU",
        "settings": {"steps": args.steps, "repeats": args.repeats, "batch_size": args.batch_size,
                     "sequences_per_run": n, "pairs_per_run": n * n_conditions, "conditions": n_conditions,
                     "regulators": n_regulators, "seq_len": config.seq_len, "filters": config.filters,
                     "kernel": config.kernel, "pool": config.pool, "regulator_units": config.regulator_units,
                     "dense_units": list(config.dense_units), "dropout": config.dropout,
                     "learning_rate": args.learning_rate,
                     "literal_join_mib_per_promoter": round(join_mib, 2),
                     "data": "Gasch 2000 yeast bundle: seeded genes' 1000-bp promoters, log2 ratios with NaN "
                             f"({float(np.isfinite(targets).mean()):.1%} labelled), MEDUSA "
                             "regulator matrix",
                     "timing": "tools take turns after an untimed run each; fastest run of each kept",
                     "memory": "ru_maxrss of a child process per tool (started before this process loaded "
                               "TensorFlow or PyTorch): after setup, and peak after one epoch"
                     if memory else "not measured"},
        "genomenb": {"keras_backend": backend, "keras": keras.__version__, "loss": "masked_mean_squared_error",
                     "jit_compile": "keras default (train_supervised)", **parts["genomenb"]},
        "pytorch": {"torch": torch_version, "threads": torch_threads, "join": "literal concatenation",
                    **parts["pytorch"]},
        "pytorch_two_halves": {"torch": torch_version, "threads": torch_threads,
                               "join": "two halves (W_p p + W_g g), as genomenb", **parts["pytorch_two_halves"]},
        "ratio_genomenb_over_pytorch": ratio,
        "ratio_genomenb_over_pytorch_two_halves": ratio_halves,
        "target_ratio": TARGET_RATIO,
        "target_met": bool(ratio >= TARGET_RATIO),
        "machine": machine_info(),
    }
    path = write_results("deeprage_training", results)
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
