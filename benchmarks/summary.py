"""One Markdown table of every result in ``benchmarks/results/``, for the README.

Each benchmark compares genomenb with the tool a reader would otherwise use,
in one run; this script only reads the JSON files those runs wrote, so the
README's numbers can always be regenerated (and ``tests/test_hygiene.py``
checks that the README shows exactly this table)::

    python benchmarks/summary.py
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _rate(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}"


def _kmer_features(r: dict) -> list[str]:
    return [f"k-mer counts (k = {r['k_min']}..{r['k_max']}) of {r['n_sequences']:,} x {r['length']} bp",
            f"{r['genomenb_seconds']:.2f} s", f"scikit-learn CountVectorizer {r['sklearn_seconds']:.2f} s",
            f"{r['speedup_vs_sklearn']:.1f}x"]


def _kmer_baseline(r: dict) -> list[str]:
    return [f"{r['n_tasks']}-task k-mer logistic regression, {r['n_train']:,} sequences, {r['max_iter']} iterations",
            f"{r['genomenb_seconds'] / 60:.1f} min",
            f"scikit-learn per task {r['sklearn_seconds_919_extrapolated'] / 60:.0f} min (extrapolated)",
            f"{r['speedup_vs_sklearn']:.1f}x"]


def _trainer(title: str, unit: str, key: str):
    def row(r: dict, part: dict | None = None) -> list[str]:
        part = part or r
        g, p = part["genomenb"], part["pytorch"]
        device = p.get("device") or (f"cpu, {p['threads']} threads" if "threads" in p else "cpu")
        return [title.format(model=part.get("model", "")) + f", batch {r['settings']['batch_size']}",
                _rate(g[key], unit) + f" (Keras 3, {g['keras_backend']})",
                "plain PyTorch " + _rate(p[key], unit) + f" ({device})",
                f"{part['ratio_genomenb_over_pytorch']:.2f}x"]
    return row


def _clockwork(r: dict) -> list[str]:
    s, g, c = r["settings"], r["gru"], r["clockwork"]
    periods = ", ".join(str(p) for p in s["clock_periods"])
    return [f"clockwork RNN language model training ({s['layers']} x {c['hidden']}, periods {periods}, equal "
            f"parameters), batch {s['batch_size']}",
            _rate(c["bases_per_second"], "bases/s") + f" (Keras 3, {r['keras_backend']})",
            f"GRU {s['layers']} x {g['hidden']} " + _rate(g["bases_per_second"], "bases/s") + " (same process)",
            f"{r['ratio_clockwork_over_gru']:.2f}x"]


def _sweep_workers(r: dict) -> list[str]:
    return [f"{r['points']}-point smoke sweep of chapter 02 on a local Dask cluster (`genomenb sweep --workers`)",
            f"2 workers {r['two_workers_seconds']:.0f} s", f"1 worker {r['one_worker_seconds']:.0f} s",
            f"{r['ratio_one_over_two']:.2f}x"]


def rows(results_dir: Path = RESULTS_DIR) -> list[list[str]]:
    """Table rows ``[what, genomenb, alternative, ratio]``, one per benchmark (and model)."""
    out = []
    for path in sorted(results_dir.glob("*.json")):
        r = json.loads(path.read_text())
        name = path.stem
        if name == "kmer_features":
            out.append(_kmer_features(r))
        elif name == "kmer_baseline":
            out.append(_kmer_baseline(r))
        elif name == "lm_training":
            out.append(_trainer("GRU language model training (2 x 128)", "bases/s", "bases_per_second")(r))
        elif name == "bilstm_training":
            out.append(_trainer(f"BiLSTM classifier training (2 x 62, {r['settings']['seq_len']} bp)", "seq/s",
                                "sequences_per_second")(r))
        elif name == "deeprage_training":
            for key, join in (("pytorch", "literal concatenation"), ("pytorch_two_halves", "two-halves trick")):
                ratio = r["ratio_genomenb_over_" + key]
                part = {"model": join, "genomenb": r["genomenb"], "pytorch": r[key],
                        "ratio_genomenb_over_pytorch": ratio}
                out.append(_trainer(f"DeepRAGE concatenation training ({r['settings']['conditions']} conditions, "
                                    f"{r['settings']['seq_len']} bp), PyTorch {{model}}", "seq/s",
                                    "sequences_per_second")(r, part))
        elif name == "lm_scoring":
            out.append(_trainer("LSTM language-model scoring (2 x 128) of 10-kb fragments", "scored bases/s",
                                "bases_per_second")(r))
        elif name.startswith("clockwork_training"):
            out.append(_clockwork(r))
        elif name.startswith("sweep_workers"):
            out.append(_sweep_workers(r))
        elif name.startswith("multitask_training"):
            where = " on GPU" if r.get("accelerators") else ""
            for family in ("bigru", "deepsea"):
                out.append(_trainer("919-task training, {model}" + where, "seq/s", "sequences_per_second")(
                    r, r[family]))
        else:
            raise ValueError(f"{path.name}: no summary row defined for this benchmark")
    return out


def markdown(results_dir: Path = RESULTS_DIR) -> str:
    """The table as Markdown (no trailing newline)."""
    lines = ["| benchmark | genomenb | what a user would otherwise run | ratio |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows(results_dir)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
