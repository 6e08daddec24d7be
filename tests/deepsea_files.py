"""Small DeepSEA-format files for the loader tests: random splits written with scipy (MATLAB v5)."""

import numpy as np
import scipy.io

from genomenb.data import deepsea as ds

WINDOW = 1000


def random_split(n, seed, n_rate=0.0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, WINDOW), dtype=np.uint8)
    if n_rate:
        codes[rng.random(codes.shape) < n_rate] = 4
    labels = (rng.random((n, ds.N_LABELS)) < 0.05).astype(np.uint8)
    return codes, labels


def write_v5(path, split, codes, labels, *, compress=False, dtype=np.uint8):
    x_key, y_key = ds.SPLIT_KEYS[split]
    scipy.io.savemat(path, {x_key: ds.codes_to_deepsea_onehot(codes).astype(dtype), y_key: labels.astype(dtype)},
                     do_compression=compress)
