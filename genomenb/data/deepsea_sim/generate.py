"""Generating DeepSEA-sim: a bundle in DeepSEA's file format, cached by configuration.

:func:`generate_bundle` runs the simulation end to end (windows, planting,
calibration, labels) and writes ``train.mat`` (MATLAB 7.3), ``valid.mat`` and
``test.mat`` (MATLAB v5), ``ground_truth.h5`` and ``README.txt``.
:func:`ensure_bundle` keeps one bundle per :meth:`SimConfig.key` under the
cache folder and :func:`load_sim_subset` reads it back as a
:class:`~genomenb.data.deepsea.DeepSeaSubset`.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from genomenb.data.cache import build_lock, cache_root
from genomenb.data.deepsea import SPLITS, load_subset
from genomenb.data.deepsea_sim.config import SIM_DESCRIPTION, SIM_SOURCE, SimConfig
from genomenb.data.deepsea_sim.grammar import build_grammar
from genomenb.data.deepsea_sim.ground_truth import _write_ground_truth
from genomenb.data.deepsea_sim.labels import _accessibility, _calibrate, _feature_base, _site_strength
from genomenb.data.deepsea_sim.windows import _background_scales, _choose_windows, _context, _cut, _genome_codes, _plant
from genomenb.data.features import load_features
from genomenb.data.matlab import write_mat5, write_mat73
from genomenb.data.motifs import MotifScanner

__all__ = ["generate_bundle", "ensure_bundle", "load_sim_subset"]


def _stage_seed(config: SimConfig, stage: int) -> np.random.Generator:
    return np.random.default_rng([config.seed, stage])


def generate_bundle(config: SimConfig, out_dir: str | os.PathLike, *, progress: bool = False) -> Path:
    """Generate a DeepSEA-sim bundle into ``out_dir`` (created; must not exist yet).

    Returns
    -------
    pathlib.Path
        ``out_dir`` holding ``train.mat``, ``valid.mat``, ``test.mat``,
        ``ground_truth.h5`` and ``README.txt``.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=False)

    def say(msg: str) -> None:
        if progress:
            print(f"[DeepSEA-sim {time.perf_counter() - t0:5.1f} s] {msg}", flush=True)

    features = load_features()
    grammar = build_grammar(features, config.jaspar_release, config.site_fraction)
    scanner = MotifScanner(grammar.motifs)
    genome = _genome_codes()
    say(f"grammar: {len(grammar.motifs)} motifs, {len(grammar.cells)} cell types; genome loaded")

    tau_lo, tau_hi, ctx_mean, ctx_std = _background_scales(config.signal_width, config.strong_rate,
                                                           config.weak_rate, config.jaspar_release)

    starts = _choose_windows(genome, config)
    sizes = config.sizes
    offsets = np.cumsum([0] + [sizes[s] for s in SPLITS])
    all_starts = np.concatenate([starts[s] for s in SPLITS])
    n = all_starts.size
    windows = _cut(genome, all_starts, config.window)
    del genome
    s0, sw = config.signal_start, config.signal_width
    signal = np.ascontiguousarray(windows[:, s0:s0 + sw])
    planted = _plant(signal, grammar, scanner, tau_hi, _stage_seed(config, 2))
    windows[:, s0:s0 + sw] = signal
    say(f"{n:,} windows chosen, {planted['row'].size:,} sites planted")

    best, best_start, best_strand = scanner.scan(signal)
    h = _site_strength(best, tau_lo, tau_hi)
    ctx_z = ((_context(signal) - ctx_mean) / ctx_std).astype(np.float32)
    noise = _stage_seed(config, 3).standard_normal((n, len(grammar.cells)), dtype=np.float32)
    access, lineage, ubiq = _accessibility(h, ctx_z, noise, grammar)

    def base_fn(feats):
        return _feature_base(feats, grammar, h, ctx_z, noise, access, lineage, ubiq)

    _calibrate(grammar, h, base_fn, n, config.site_fraction, _stage_seed(config, 4))
    say("grammar calibrated to the DeepSEA positive rates")

    labels = np.zeros((n, len(grammar.target_rate)), dtype=np.uint8)
    label_rng = _stage_seed(config, 5)
    for lo in range(0, labels.shape[1], 64):
        feats = np.arange(lo, min(lo + 64, labels.shape[1]))
        logit = base_fn(feats)
        motif = grammar.feature_motif[feats]
        has = motif >= 0
        if has.any():
            logit[:, has] += grammar.delta[feats][has].astype(np.float32) * h[:, motif[has]]
        with np.errstate(over="ignore"):
            p = 1.0 / (1.0 + np.exp(-(logit + grammar.alpha[feats].astype(np.float32))))
        labels[:, feats] = label_rng.random(p.shape, dtype=np.float32) < p
    say("labels drawn")

    # the three files, in DeepSEA's layout
    tr = slice(offsets[0], offsets[1])
    block = 4096
    idx = range(tr.start, tr.stop, block)
    write_mat73(out / "train.mat", "train", (windows[i:min(i + block, tr.stop)] for i in idx),
                (labels[i:min(i + block, tr.stop)] for i in idx), sizes["train"], config.window,
                header="MATLAB 7.3 MAT-file, DeepSEA-sim (SIMULATED data) written by genomenb. HDF5 schema 1.00 .")
    for k, split in ((1, "valid"), (2, "test")):
        part = slice(offsets[k], offsets[k + 1])
        write_mat5(out / f"{split}.mat", split, windows[part], labels[part],
                   header="MATLAB 5.0 MAT-file, DeepSEA-sim (SIMULATED data) written by genomenb")
    say("bundle files written")

    _write_ground_truth(out / "ground_truth.h5", config, grammar, planted, starts, offsets, h, best,
                        best_start, best_strand, tau_lo, tau_hi, ctx_z, noise, labels)
    (out / "README.txt").write_text(
        f"{SIM_DESCRIPTION}\n\nSIMULATED DATA: generated by genomenb.data.deepsea_sim with\n"
        f"{json.dumps(asdict(config), indent=2)}\n\nThese files mimic the layout of the DeepSEA training bundle "
        "(train.mat MATLAB 7.3, valid.mat and test.mat MATLAB v5, one-hot A G C T, 919 labels).\n"
        "The DNA is real (human chrX, GRCh37); the labels are not.\n", encoding="utf-8")
    say("done")
    return out


# --------------------------------------------------------------------------- cache and loading


def ensure_bundle(config: SimConfig | None = None, cache_dir: str | os.PathLike | None = None, *,
                  progress: bool = False) -> Path:
    """The bundle folder for ``config``, generated on first use.

    The folder is ``<cache_dir>/deepsea_sim/<key>/`` with the key of
    :meth:`SimConfig.key` (configuration, generator source, input checksums).
    Generation writes to a temporary folder renamed into place at the end, so
    an interrupted run never leaves a half-written bundle behind; concurrent
    runs wait for one another (:func:`genomenb.data.cache.build_lock`), so the
    bundle is generated once.
    """
    config = config or SimConfig()
    root = (Path(cache_dir).expanduser() if cache_dir else cache_root()) / "deepsea_sim"
    key = config.key()  # hashes the generator's source and inputs: computed once
    final = root / key
    if (final / "ground_truth.h5").is_file():
        return final
    root.mkdir(parents=True, exist_ok=True)
    with build_lock(final):  # concurrent runs (a parallel book build) generate it once
        if (final / "ground_truth.h5").is_file():
            return final
        for stale in root.glob(f".tmp-{key}-*"):  # left by a run that died while generating
            shutil.rmtree(stale, ignore_errors=True)
        tmp = root / f".tmp-{key}-{os.getpid()}"
        generate_bundle(config, tmp, progress=progress)
        if final.exists():  # an incomplete folder from an older version of this function
            shutil.rmtree(final)
        os.replace(tmp, final)
    return final


def load_sim_subset(config: SimConfig | None = None, crop: int | None = None, *,
                    cache_dir: str | os.PathLike | None = None, progress: bool = False):
    """DeepSEA-sim as a :class:`~genomenb.data.deepsea.DeepSeaSubset` (generated and cached on first use).

    ``crop`` defaults to the signal width, i.e. exactly the bases the labels depend on.
    """
    config = config or SimConfig()
    folder = ensure_bundle(config, cache_dir, progress=progress)
    return load_subset(folder, config.n_train, config.n_valid, config.n_test,
                       config.signal_width if crop is None else crop, config.seed, cache_dir=cache_dir,
                       source=SIM_SOURCE, description=SIM_DESCRIPTION)
