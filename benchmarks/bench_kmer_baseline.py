"""The 919-task k-mer baseline: one joint fit vs scikit-learn's one-regression-per-task.

Zhang & Kamath fitted 919 scikit-learn logistic regressions (k-mer counts,
k = 1..5, 1,364 features; L2 weight 1e-6) on 80,000 sequences of 100 bp.
This script times genomenb's joint fit of all 919 tasks
(:class:`genomenb.baselines.kmer.MultiTaskLogistic`) on exactly that shape,
then times scikit-learn's ``LogisticRegression(C=1e6)`` (lbfgs, its default
``max_iter=100`` and ``tol=1e-4``) on a handful of tasks of the same data, in
the same run, and extrapolates to 919 tasks. Both see the same standardised
features. On the timed tasks it also compares the training objective each
reached (the speed-up must not come from stopping earlier) and the test AUROC.

Data: DeepSEA-sim (simulated labels, real human DNA) by default, generated and
cached on first use; ``--deepsea-dir`` uses the real bundle instead.

Run from the repository root::

    .venv/bin/python benchmarks/bench_kmer_baseline.py [--max-iter 100] [--sklearn-tasks 6]

Writes ``benchmarks/results/kmer_baseline.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

try:
    import genomenb  # noqa: F401
except ImportError:  # running from a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import machine_info, print_table, write_results  # noqa: E402

from genomenb.baselines.kmer import MultiTaskLogistic, kmer_count_features  # noqa: E402
from genomenb.data.chromatin import load_chromatin_data  # noqa: E402
from genomenb.metrics import roc_auc_per_task  # noqa: E402

TARGET_SECONDS = 600.0


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deepsea-dir", default="", help="real DeepSEA bundle folder (default: DeepSEA-sim)")
    parser.add_argument("--n-train", type=int, default=80_000)
    parser.add_argument("--crop", type=int, default=100)
    parser.add_argument("--l2", type=float, default=1e-6)
    parser.add_argument("--max-iter", type=int, default=100, help="L-BFGS iterations (scikit-learn's default: 100)")
    parser.add_argument("--sklearn-tasks", type=int, default=6, help="tasks fitted one by one with scikit-learn")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    data = load_chromatin_data(args.deepsea_dir, args.n_train, 2_000, 8_000, args.crop, args.seed, progress=True)
    x_train = kmer_count_features(data.train.codes)
    x_test = kmer_count_features(data.test.codes)
    y_train, y_test = data.train.labels, data.test.labels
    n_tasks = y_train.shape[1]
    print(f"\ndata: {data.source} ({data.description})")
    print(f"{len(x_train):,} training sequences x {data.length} bp -> {x_train.shape[1]} k-mer features, "
          f"{n_tasks} tasks; {machine_info()['cpu_count']} CPU(s), load {machine_info().get('load_average_1min')}\n")

    model = MultiTaskLogistic(l2=args.l2, max_iter=args.max_iter).fit(x_train, y_train)
    rep = model.report_
    ours_auc = roc_auc_per_task(y_test, model.decision_function(x_test))
    per_eval = rep.seconds / max(rep.evaluations, 1)
    at_40 = next((s for i, (s, _) in enumerate(rep.history) if i + 1 == 40), None)
    print(f"genomenb joint fit: {rep.seconds:.1f} s, {rep.iterations} iterations, {rep.evaluations} evaluations "
          f"({per_eval:.2f} s each); {rep.message}")

    # scikit-learn, one task at a time, on the same standardised features
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std == 0] = 1.0
    xs_train = (x_train - mean) / std
    xs_test = (x_test - mean) / std
    rate = y_train.mean(axis=0)
    candidates = np.flatnonzero(rate >= 0.01)
    rng = np.random.default_rng(args.seed)
    tasks = np.sort(rng.choice(candidates, size=min(args.sklearn_tasks, candidates.size), replace=False))
    rows = []
    sk_seconds = []
    ours_logit = model.decision_function(x_train)

    def objective(logit: np.ndarray, y: np.ndarray, weights_std: np.ndarray) -> float:
        """Mean log-loss + l2 / (2 N) ||w||^2 on the standardised scale: what both fits minimise."""
        loss = np.logaddexp(0, logit) - y * logit
        return float(loss.mean() + 0.5 * args.l2 * (weights_std ** 2).sum() / len(y))

    for t in tasks:
        clf = LogisticRegression(C=1.0 / args.l2)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(xs_train, y_train[:, t])
        seconds = time.perf_counter() - start
        sk_seconds.append(seconds)
        sk_auc = roc_auc_per_task(y_test[:, [t]], clf.decision_function(xs_test)[:, None])[0]
        yt = y_train[:, t].astype(np.float64)
        sk_obj = objective(clf.decision_function(xs_train).astype(np.float64), yt, clf.coef_[0])
        our_obj = objective(ours_logit[:, t].astype(np.float64), yt, model.coef_[:, t] * std)
        rows.append([int(t), f"{rate[t]:.3f}", seconds, int(clf.n_iter_[0]), sk_obj, our_obj, sk_auc, ours_auc[t]])
    print()
    print_table(rows, ["task", "train rate", "sklearn s", "sklearn iters", "sklearn objective", "genomenb objective",
                       "sklearn AUROC", "genomenb AUROC"])
    sk_per_task = float(np.mean(sk_seconds))
    sk_total = sk_per_task * n_tasks
    speedup = sk_total / rep.seconds
    verdict = "met" if rep.seconds <= TARGET_SECONDS else "NOT met"
    print(f"\nscikit-learn: {sk_per_task:.1f} s per task -> {sk_total / 60:.0f} min for {n_tasks} tasks (extrapolated)")
    print(f"genomenb, all {n_tasks} tasks: {rep.seconds / 60:.1f} min; speed-up {speedup:.1f}x; "
          f"target <= {TARGET_SECONDS / 60:.0f} min: {verdict}")

    results = {
        "benchmark": "kmer_baseline",
        "data_source": data.source,
        "n_train": int(len(x_train)),
        "sequence_length": int(data.length),
        "n_features": int(x_train.shape[1]),
        "n_tasks": int(n_tasks),
        "l2": args.l2,
        "max_iter": args.max_iter,
        "genomenb_seconds": round(rep.seconds, 2),
        "genomenb_iterations": rep.iterations,
        "genomenb_evaluations": rep.evaluations,
        "genomenb_seconds_per_evaluation": round(per_eval, 3),
        "genomenb_seconds_at_40_iterations": round(at_40, 2) if at_40 is not None else None,
        "genomenb_converged": rep.converged,
        "genomenb_test_auroc_median": round(float(np.nanmedian(ours_auc)), 4),
        "sklearn_tasks_timed": [int(t) for t in tasks],
        "sklearn_seconds_per_task": round(sk_per_task, 3),
        "sklearn_seconds_919_extrapolated": round(sk_total, 1),
        "speedup_vs_sklearn": round(speedup, 2),
        "sklearn_iterations_on_timed_tasks": [r[3] for r in rows],
        "sklearn_vs_genomenb_train_objective_on_timed_tasks": [[round(r[4], 6), round(r[5], 6)] for r in rows],
        "sklearn_vs_genomenb_test_auroc_on_timed_tasks": [[round(r[6], 4), round(r[7], 4)] for r in rows],
        "target_seconds": TARGET_SECONDS,
        "target_met": bool(rep.seconds <= TARGET_SECONDS),
        "timing": "one run each, time.perf_counter, same process and data; scikit-learn LogisticRegression "
                  "(lbfgs, max_iter=100, tol=1e-4, C=1/l2) per task on standardised features, extrapolated "
                  "linearly to all tasks",
    }
    if not args.no_write:
        path = write_results("kmer_baseline", results)
        print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
