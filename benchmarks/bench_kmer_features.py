"""k-mer features and one-hot encoding: genomenb vs scikit-learn's CountVectorizer.

The k-mer (k = 1..5, 1364 features) logistic-regression baseline of the book
needs a count vector per sequence. The tool a reader would otherwise reach for
is ``CountVectorizer(analyzer="char", ngram_range=(1, 5))``. This script times
both on the same seeded random sequences in one run, checks that they produce
the same counts (so the ratio compares equal work), measures one-hot encoding
throughput, and writes ``benchmarks/results/kmer_features.json``.

Run from the repository root::

    .venv/bin/python benchmarks/bench_kmer_features.py [--n 80000] [--length 100]
"""

from __future__ import annotations

import argparse
import functools

import numpy as np
from _common import best_of, machine_info, print_table, write_results

from genomenb.encode import decode, one_hot, to_codes
from genomenb.kmers import kmer_feature_names, kmer_features

SEED = 20240611
TARGET_SPEEDUP = 10.0


def random_sequences(n: int, length: int, seed: int = SEED) -> list[str]:
    """``n`` seeded uniformly random ACGT strings of ``length`` bases."""
    rng = np.random.default_rng(seed)
    return decode(rng.integers(0, 4, size=(n, length), dtype=np.uint8))


def genomenb_features(strings: list[str]) -> np.ndarray:
    """Text -> codes -> (N, 1364) float32 k-mer counts, the full user-facing path."""
    return kmer_features(to_codes(strings), k_max=5)


def sklearn_features(strings: list[str]):
    """The reference: a sparse (N, n_seen_kmers) int64 matrix and its vocabulary."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer="char", ngram_range=(1, 5), lowercase=False)
    return vectorizer.fit_transform(strings), vectorizer.vocabulary_


def check_same_counts(ours: np.ndarray, reference, vocabulary: dict[str, int], rows: int) -> int:
    """Assert both methods give identical counts on the first ``rows`` rows; return rows checked."""
    names = kmer_feature_names(5)
    missing = set(vocabulary) - set(names)
    if missing:
        raise AssertionError(f"scikit-learn produced k-mers genomenb has no column for: {sorted(missing)[:5]}")
    ours_cols = np.array([j for j, name in enumerate(names) if name in vocabulary])
    ref_cols = np.array([vocabulary[names[j]] for j in ours_cols])
    unseen = np.setdiff1d(np.arange(len(names)), ours_cols)
    rows = min(rows, ours.shape[0])
    for start in range(0, rows, 10_000):  # chunks keep the dense copy of the sparse matrix small
        stop = min(start + 10_000, rows)
        ref_dense = reference[start:stop][:, ref_cols].toarray()
        if not np.array_equal(ours[start:stop][:, ours_cols], ref_dense):
            raise AssertionError(f"k-mer counts differ from scikit-learn in rows {start}..{stop}")
        if ours[start:stop][:, unseen].any():
            raise AssertionError("genomenb counted k-mers that scikit-learn never saw")
    return rows


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=80_000, help="number of sequences (default 80000)")
    parser.add_argument("--length", type=int, default=100, help="sequence length in bp (default 100)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of the fast methods (best is kept)")
    parser.add_argument("--sklearn-repeats", type=int, default=2, help="timed runs of CountVectorizer")
    parser.add_argument("--check-rows", type=int, default=None,
                        help="rows compared against scikit-learn (default: all)")
    parser.add_argument("--no-write", action="store_true", help="do not write the results JSON")
    args = parser.parse_args(argv)
    if args.n < 1 or args.length < 5:
        parser.error("--n must be >= 1 and --length >= 5 (k-mers up to k = 5)")

    strings = random_sequences(args.n, args.length)
    megabases = args.n * args.length / 1e6
    print(f"{args.n} random ACGT sequences x {args.length} bp (seed {SEED}), "
          f"{machine_info()['cpu_count']} CPU(s), numpy {np.__version__}\n")

    gnb_s, ours = best_of(lambda: genomenb_features(strings), repeats=args.repeats, warmup=1)
    sk_s, (reference, vocabulary) = best_of(lambda: sklearn_features(strings), repeats=args.sklearn_repeats)
    checked = check_same_counts(ours, reference, vocabulary, args.check_rows or args.n)
    speedup = sk_s / gnb_s
    del reference, ours

    # rows holding an N take the general path (every k counted directly); time it too
    with_n = to_codes(strings)
    with_n[np.random.default_rng(SEED + 1).random(with_n.shape) < 0.01] = 4
    gnb_n_s, _ = best_of(functools.partial(kmer_features, with_n, k_max=5), repeats=args.repeats)
    del with_n

    # one-hot: text -> codes -> one-hot, codes -> one-hot alone, and the textbook fancy index
    codes = to_codes(strings)
    identity = np.eye(5, 4, dtype=np.float32)
    enc_s, _ = best_of(lambda: to_codes(strings), repeats=args.repeats)
    full_s, x = best_of(lambda: one_hot(to_codes(strings)), repeats=args.repeats)
    oh_s, x = best_of(lambda: one_hot(codes), repeats=args.repeats)
    fancy_s, ref_x = best_of(lambda: identity[codes], repeats=args.repeats)
    if not np.array_equal(x, ref_x):
        raise AssertionError("one_hot disagrees with np.eye(5, 4)[codes]")
    del x, ref_x

    print_table(
        [
            ["genomenb to_codes + kmer_features", gnb_s, round(args.n / gnb_s), 1.0],
            ["genomenb, 1% of bases N (slow path)", gnb_n_s, round(args.n / gnb_n_s), gnb_n_s / gnb_s],
            ["scikit-learn CountVectorizer", sk_s, round(args.n / sk_s), sk_s / gnb_s],
        ],
        ["k-mer counts, k = 1..5 (1364 features)", "seconds", "sequences/s", "x genomenb time"],
    )
    print()
    print_table(
        [
            ["to_codes (text -> uint8 codes)", enc_s, round(megabases / enc_s, 1)],
            ["one_hot(to_codes(text))", full_s, round(megabases / full_s, 1)],
            ["one_hot(codes)", oh_s, round(megabases / oh_s, 1)],
            ["np.eye(5, 4)[codes] (reference)", fancy_s, round(megabases / fancy_s, 1)],
        ],
        ["encoding", "seconds", "Mb/s"],
    )
    print(f"\ncounts identical to scikit-learn on {checked} of {args.n} rows")
    verdict = "met" if speedup >= TARGET_SPEEDUP else "NOT met"
    print(f"speedup vs scikit-learn: {speedup:.1f}x (target >= {TARGET_SPEEDUP:.0f}x: {verdict})")

    results = {
        "benchmark": "kmer_features",
        "n_sequences": args.n,
        "length": args.length,
        "seed": SEED,
        "k_min": 1,
        "k_max": 5,
        "n_features": len(kmer_feature_names(5)),
        "genomenb_seconds": round(gnb_s, 4),
        "sklearn_seconds": round(sk_s, 4),
        "speedup_vs_sklearn": round(speedup, 2),
        "genomenb_seconds_1pct_n": round(gnb_n_s, 4),
        "target_speedup": TARGET_SPEEDUP,
        "target_met": bool(speedup >= TARGET_SPEEDUP),
        "rows_checked_identical": checked,
        "to_codes_mb_per_s": round(megabases / enc_s, 1),
        "onehot_mb_per_s": round(megabases / full_s, 1),
        "onehot_from_codes_mb_per_s": round(megabases / oh_s, 1),
        "onehot_numpy_fancy_index_mb_per_s": round(megabases / fancy_s, 1),
        "timing": f"best of {args.repeats} (genomenb, one-hot) and {args.sklearn_repeats} (scikit-learn) "
                  "runs, time.perf_counter, same process and input",
    }
    if not args.no_write:
        path = write_results("kmer_features", results)
        print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
