"""DeepSEA-sim's configuration: :class:`SimConfig`, the fixed constants, and the cache key.

:class:`SimConfig` holds everything that determines a bundle; its
:meth:`~SimConfig.key` hashes the configuration, the simulator's source code
(:func:`_source_digest`: every module of this package plus the data and
encoding modules it runs) and the checksums of the input data, so a cached
bundle is regenerated whenever any of them changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from genomenb.data import registry
from genomenb.data.motifs import JASPAR_RELEASE

__all__ = ["SIM_SOURCE", "SIM_DESCRIPTION", "SimConfig"]

SIM_SOURCE = "deepsea-sim"
SIM_DESCRIPTION = ("DeepSEA-sim (SIMULATED labels): real human chrX DNA (GRCh37), 919 DeepSEA feature names, "
                   "labels from planted JASPAR motifs and sequence context")
_GENOME = "human_chrx_slice"
_BIN = 200
_BLOCK = 50_000  # regions dealt to train / valid / test
_BACKGROUND_WINDOWS = 20_000
_BACKGROUND_SEED = 20150817  # fixed: thresholds are part of the grammar, not of a sample


@dataclass(frozen=True)
class SimConfig:
    """Everything that determines a DeepSEA-sim bundle (its cache key).

    Attributes
    ----------
    n_train, n_valid, n_test : int
        Sequences per split (book default: the paper's subset sizes).
    window : int
        Stored sequence length (DeepSEA: 1000).
    signal_width : int
        Middle bases the labels depend on (the paper's crop: 100).
    seed : int
    site_fraction : float
        Target share of a TF feature's positives that carry its motif site.
    strong_rate, weak_rate : float
        Fractions of background windows whose best match reaches ``h = 1`` and
        ``h > 0`` (set the score thresholds of every motif).
    jaspar_release : str
    """

    n_train: int = 80_000
    n_valid: int = 2_000
    n_test: int = 8_000
    window: int = 1000
    signal_width: int = 100
    seed: int = 0
    site_fraction: float = 0.75
    strong_rate: float = 0.002
    weak_rate: float = 0.01
    jaspar_release: str = JASPAR_RELEASE

    def __post_init__(self) -> None:
        for name in ("n_train", "n_valid", "n_test"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        if not (_BIN <= self.window and 30 <= self.signal_width <= self.window):
            raise ValueError(f"need 30 <= signal_width <= window and window >= {_BIN}")
        if not 0 < self.site_fraction < 1:
            raise ValueError("site_fraction must be in (0, 1)")
        if not 0 < self.strong_rate < self.weak_rate < 0.5:
            raise ValueError("need 0 < strong_rate < weak_rate < 0.5")

    @property
    def sizes(self) -> dict[str, int]:
        return {"train": self.n_train, "valid": self.n_valid, "test": self.n_test}

    @property
    def signal_start(self) -> int:
        """Offset of the label-determining middle window inside the stored window."""
        return (self.window - self.signal_width) // 2

    def key(self) -> str:
        """Cache key: the configuration, the generator's source code and the input data checksums."""
        parts = {"config": asdict(self), "source": _source_digest(),
                 "genome": registry.get(_GENOME).file().sha256,
                 "features": registry.get("deepsea_features").file().sha256}
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _source_digest() -> str:
    """SHA-256 of the simulator's source code.

    Every module of this package (sorted by name), then the modules it runs:
    motif scanning and sampling, the DeepSEA layout, the MATLAB writers and
    the base encoding.
    """
    package = Path(__file__).resolve().parent
    data = package.parent
    files = sorted(package.glob("*.py"), key=lambda p: p.name)
    files += [data / "motifs.py", data / "deepsea.py", data / "matlab.py", data.parent / "encode.py"]
    h = hashlib.sha256()
    for path in files:
        h.update(path.read_bytes())
    return h.hexdigest()
