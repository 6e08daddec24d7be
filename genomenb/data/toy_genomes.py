"""Simulated sanity genomes for language models: a random one and a repeat.

Both are simulated, not real DNA, and their record ids and descriptions say
so. They bracket what a next-base model can do:

* the **simulated random genome** draws every base independently and
  uniformly, so no model can beat a perplexity of 4 (2 bits per base) on
  bases it has not seen;
* the **simulated repeat genome** repeats one short unit (the seed study's
  ``AGCTTGAGGC``) without error, so once a model has seen a few bases it can
  predict the rest with certainty: perplexity 1 (0 bits per base).

Records are :class:`~genomenb.data.fasta.FastaRecord` objects, like those of
:func:`~genomenb.data.load_genome`, so the same code handles real and
simulated genomes.
"""

from __future__ import annotations

import numpy as np

from genomenb.data.fasta import FastaRecord

__all__ = ["THEORETICAL_PERPLEXITY", "simulated_random_genome", "simulated_repeat_genome"]

#: Best achievable held-out perplexity of each simulated genome.
THEORETICAL_PERPLEXITY = {"simulated_random": 4.0, "simulated_repeat": 1.0}


def _check_length(length: object) -> int:
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"length must be a positive int, got {length!r}")
    return int(length)


def simulated_random_genome(length: int = 30_000, seed: int = 0) -> FastaRecord:
    """A simulated genome of independent, uniformly drawn bases.

    Parameters
    ----------
    length : int, default 30000
        Number of bases (the seed study used 30,000).
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same genome.

    Returns
    -------
    FastaRecord
        id ``"simulated_random"``; ``sequence`` is upper-case ``ACGT`` bytes.
    """
    length = _check_length(length)
    codes = np.random.default_rng(seed).integers(0, 4, size=length, dtype=np.uint8)
    sequence = np.frombuffer(b"ACGT", dtype=np.uint8)[codes].tobytes()
    return FastaRecord("simulated_random", f"simulated: {length} i.i.d. uniform bases, seed {seed}", sequence)


def simulated_repeat_genome(length: int = 30_000, unit: str = "AGCTTGAGGC") -> FastaRecord:
    """A simulated genome that repeats ``unit`` without error, cut to ``length`` bases.

    Parameters
    ----------
    length : int, default 30000
        Number of bases.
    unit : str, default "AGCTTGAGGC"
        The repeated word (the seed study's), made of ``ACGT`` only.

    Returns
    -------
    FastaRecord
        id ``"simulated_repeat"``.
    """
    length = _check_length(length)
    unit_bytes = unit.upper().encode("ascii", "replace")
    if not unit_bytes or unit_bytes.strip(b"ACGT"):
        raise ValueError(f"unit must be a non-empty word of A, C, G, T, got {unit!r}")
    reps = -(-length // len(unit_bytes))
    sequence = (unit_bytes * reps)[:length]
    return FastaRecord("simulated_repeat", f"simulated: {unit.upper()} repeated to {length} bases", sequence)
