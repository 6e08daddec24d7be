"""Language-model scoring throughput: genomenb's fragment scoring vs the same scoring written in PyTorch.

Chapter 08 scores genomes under every genus model: fragments are read in
windows of the training length, every base but a fragment's first is
predicted once, and the mean cross-entropy is taken per fragment
(:func:`genomenb.genera.fragment_cross_entropy`). The model is the chapter's
genus model: an embedding of the five codes into 16 dimensions, two LSTM
layers of 128 units, a softmax over A/C/G/T (untrained weights: throughput
does not depend on them), compiled as training compiles it.

The tool a reader would otherwise write is the same scoring in plain PyTorch:
``torch.nn.Embedding`` -> ``torch.nn.LSTM`` -> ``torch.nn.Linear`` with the
Keras weights copied in, the same windows (from
:func:`genomenb.genera.fragment_windows`), ``torch.inference_mode``,
``log_softmax`` and the same mask, batch for batch. Both score the same
10-kb fragments of an unseen genome in the same process, one after the other;
their per-fragment results must agree to 1e-4 nats, and the fastest of
``--repeats`` timed runs is kept (an untimed run first absorbs compilation).
Throughput is scored bases per second; the ratio is genomenb / PyTorch.
Results go to ``benchmarks/results/lm_scoring.json``.

Run from the repository root::

    .venv/bin/python benchmarks/bench_lm_scoring.py [--fragments 12] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import best_of, machine_info, print_table, write_results  # noqa: E402

SEED = 0
TARGET_RATIO = 1.0  # genomenb at least as fast as plain PyTorch on the CPU
GENOME = "vibrio_cholerae_N16961"


def fragments(n: int, length: int):
    from genomenb.data import bacteria

    return bacteria.sample_fragments(bacteria.genome_codes(GENOME), length, n, seed=SEED)


def pytorch_scorer(model, frags, seq_len: int, warmup: int, batch_size: int, hidden: int, layers: int):
    """The same windows, weights and mask, scored by plain PyTorch modules."""
    import numpy as np
    import torch

    from genomenb.genera import fragment_windows

    class CharLSTM(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = torch.nn.Embedding(5, 16)
            self.lstm = torch.nn.LSTM(16, hidden, num_layers=layers, batch_first=True)
            self.head = torch.nn.Linear(hidden, 4)

        def forward(self, x):
            return self.head(self.lstm(self.embedding(x))[0])

    net = CharLSTM().eval()
    with torch.no_grad():  # Keras LSTM gates i, f, c, o match torch's i, f, g, o; one Keras bias
        net.embedding.weight.copy_(torch.from_numpy(model.get_layer("embedding").get_weights()[0]))
        for i in range(layers):
            kernel, recurrent, bias = model.get_layer(f"lstm_{i + 1}").get_weights()
            getattr(net.lstm, f"weight_ih_l{i}").copy_(torch.from_numpy(kernel.T))
            getattr(net.lstm, f"weight_hh_l{i}").copy_(torch.from_numpy(recurrent.T))
            getattr(net.lstm, f"bias_ih_l{i}").copy_(torch.from_numpy(bias))
            getattr(net.lstm, f"bias_hh_l{i}").zero_()
        w, b = model.get_layer("next_base").get_weights()
        net.head.weight.copy_(torch.from_numpy(w.T))
        net.head.bias.copy_(torch.from_numpy(b))
    starts, first, stop = fragment_windows(frags.shape[1], seq_len, warmup)
    mask = (np.arange(seq_len) >= first[:, None]) & (np.arange(seq_len) < stop[:, None])
    windows = frags[:, starts[:, None] + np.arange(seq_len + 1)].reshape(-1, seq_len + 1).astype(np.int64)
    scored = torch.from_numpy(np.tile(mask, (len(frags), 1)))
    data = torch.from_numpy(windows)

    def run():
        nats = []
        with torch.inference_mode():
            for i in range(0, len(data), batch_size):
                x, y = data[i:i + batch_size, :-1], data[i:i + batch_size, 1:]
                logp = torch.log_softmax(net(x), dim=-1).gather(-1, y.clamp(max=3)[..., None])[..., 0]
                nats.append(-(logp * scored[i:i + batch_size]).sum(dim=1))
        per_window = torch.cat(nats).reshape(len(frags), -1).sum(dim=1)
        return (per_window / scored.reshape(len(frags), -1).sum(dim=1)).numpy()

    return run, sum(p.numel() for p in net.parameters()), torch.__version__, torch.get_num_threads()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fragments", type=int, default=12, help="fragments scored per timed run")
    parser.add_argument("--length", type=int, default=10_000, help="fragment length in bases")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per tool; the fastest is kept")
    parser.add_argument("--seq-len", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    args = parser.parse_args(argv)

    import keras
    import numpy as np

    from genomenb.genera import fragment_cross_entropy
    from genomenb.models.charlm import CharLMConfig, build_char_lm, compile_char_lm

    keras.utils.set_random_seed(SEED)
    model = build_char_lm(CharLMConfig(cell="lstm", num_layers=args.layers, hidden_size=args.hidden),
                          seq_len=args.seq_len)
    compile_char_lm(model)  # as train_language_model compiles it (XLA under TensorFlow)
    frags = fragments(args.fragments, args.length)
    bases = args.fragments * (args.length - 1)

    def gnb_run():
        return fragment_cross_entropy(model, frags, args.seq_len, warmup=args.warmup, batch_size=args.batch_size)

    gnb_s, gnb_ce = best_of(gnb_run, repeats=args.repeats, warmup=1)
    try:
        torch_run, torch_params, torch_version, torch_threads = pytorch_scorer(
            model, frags, args.seq_len, args.warmup, args.batch_size, args.hidden, args.layers)
    except ImportError:
        raise SystemExit("PyTorch is not installed: pip install -r requirements-backends.txt") from None
    torch_s, torch_ce = best_of(torch_run, repeats=args.repeats, warmup=1)
    agreement = float(np.abs(gnb_ce - torch_ce).max())
    if agreement > 1e-4:
        raise SystemExit(f"the two scorings disagree by {agreement:.2e} nats: not the same computation")

    gnb_rate, torch_rate = bases / gnb_s, bases / torch_s
    ratio = gnb_rate / torch_rate
    print_table([
        ["genomenb (Keras 3, " + keras.backend.backend() + ")", model.count_params(), gnb_s, gnb_rate],
        ["plain PyTorch (torch.nn.LSTM)", torch_params, torch_s, torch_rate],
    ], ["tool", "parameters", "seconds", "scored bases/s"])
    print(f"ratio genomenb / PyTorch: {ratio:.2f} (target >= {TARGET_RATIO}); results agree to {agreement:.1e} nats")
    results = {
        "benchmark": "2-layer 128-unit LSTM language model, scoring throughput over genome fragments on CPU",
        "settings": {"fragments": args.fragments, "length": args.length, "repeats": args.repeats,
                     "seq_len": args.seq_len, "warmup": args.warmup, "batch_size": args.batch_size,
                     "hidden": args.hidden, "layers": args.layers, "embedding_dim": 16,
                     "data": f"{GENOME}, seeded fragments"},
        "scored_bases_per_run": bases,
        "max_abs_difference_nats": agreement,
        "genomenb": {"keras_backend": keras.backend.backend(), "keras": keras.__version__,
                     "parameters": model.count_params(), "seconds": gnb_s, "bases_per_second": gnb_rate},
        "pytorch": {"torch": torch_version, "threads": torch_threads, "parameters": torch_params,
                    "seconds": torch_s, "bases_per_second": torch_rate},
        "ratio_genomenb_over_pytorch": ratio,
        "target_ratio": TARGET_RATIO,
        "target_met": bool(ratio >= TARGET_RATIO),
        "machine": machine_info(),
    }
    path = write_results("lm_scoring", results)
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
