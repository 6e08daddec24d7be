"""The chromatin chapters' data: the real DeepSEA bundle when the reader has it, else DeepSEA-sim.

:func:`load_chromatin_data` is the one entry point of the chromatin notebooks.
Given a folder with DeepSEA's ``train.mat``, ``valid.mat`` and ``test.mat`` it
draws the paper's subset from them (:func:`genomenb.data.deepsea.load_subset`);
without one it generates, or reuses from the cache, the simulated stand-in
DeepSEA-sim (:mod:`genomenb.data.deepsea_sim`) and draws the same subset from
it. The returned subset's ``source`` says which one it is.
"""

from __future__ import annotations

import os

from genomenb.data.deepsea import DeepSeaSubset, load_subset
from genomenb.data.deepsea_sim import SIM_DESCRIPTION, SIM_SOURCE, SimConfig, ensure_bundle

__all__ = ["load_chromatin_data", "subset_metrics"]


def load_chromatin_data(deepsea_dir: str | os.PathLike | None = "", n_train: int = 80_000, n_valid: int = 2_000,
                        n_test: int = 8_000, crop: int | None = 100, seed: int = 0, *,
                        cache_dir: str | os.PathLike | None = "", progress: bool = False) -> DeepSeaSubset:
    """The chromatin chapters' data: the real DeepSEA bundle when a folder is given, else DeepSEA-sim.

    Parameters
    ----------
    deepsea_dir : path-like or "" / None
        Folder with DeepSEA's ``train.mat``, ``valid.mat`` and ``test.mat``.
        Empty: generate (or reuse) DeepSEA-sim of the requested sizes.
    n_train, n_valid, n_test : int
        Subset sizes (the paper: 80,000, 2,000, 8,000).
    crop : int or None
        Middle bases kept (the paper: 100; None = whole window).
    seed : int
        Seed of the subset draw (and of DeepSEA-sim).
    cache_dir : path-like, optional
        Cache folder ("" or None: :func:`genomenb.data.cache.cache_root`).

    Returns
    -------
    DeepSeaSubset
        ``.source`` is ``"deepsea"`` or ``"deepsea-sim"``.
    """
    cache = cache_dir or None
    if deepsea_dir:
        return load_subset(deepsea_dir, n_train, n_valid, n_test, crop, seed, cache_dir=cache, progress=progress)
    config = SimConfig(n_train=n_train, n_valid=n_valid, n_test=n_test, seed=seed)
    folder = ensure_bundle(config, cache, progress=progress)
    return load_subset(folder, n_train, n_valid, n_test, crop, seed, cache_dir=cache, source=SIM_SOURCE,
                       description=SIM_DESCRIPTION)


def subset_metrics(data: DeepSeaSubset) -> dict:
    """What every chromatin chapter records about its data in ``metrics.json``.

    Returns
    -------
    dict
        ``data_source`` (``"deepsea"`` or ``"deepsea-sim"``), ``n_train``,
        ``n_valid``, ``n_test`` and ``sequence_length`` (bases kept per sequence).
    """
    return {"data_source": data.source, "n_train": len(data.train), "n_valid": len(data.valid),
            "n_test": len(data.test), "sequence_length": data.length}
