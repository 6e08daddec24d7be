"""DeepSEA-sim's sequences: real chrX windows, background statistics, and planted motif sites.

The windows are cut from the bundled chromosome X slice (:func:`_genome_codes`)
at N-free, non-overlapping 200-bp bins, in disjoint 50-kb regions per split
(:func:`_choose_windows`). Motif score thresholds and the CpG/GC scale come
from unplanted background windows (:func:`_background_scales`); motif sites
sampled from the PWMs are then planted into the middle signal window
(:func:`_plant`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from genomenb.data.deepsea import SPLITS
from genomenb.data.deepsea_sim.config import _BACKGROUND_SEED, _BACKGROUND_WINDOWS, _BIN, _BLOCK, _GENOME, SimConfig
from genomenb.data.deepsea_sim.grammar import Grammar, build_grammar
from genomenb.data.motifs import MotifScanner, sample_instances

_CANDIDATES = 32  # PWM draws per planted site (the first strong one is kept)


@lru_cache(maxsize=1)
def _genome_codes() -> np.ndarray:
    """The chrX slice as codes (read-only, kept for the process: several bundles reuse it)."""
    from genomenb.data.fasta import load_genome
    from genomenb.encode import to_codes

    codes = to_codes(load_genome(_GENOME)[0].sequence)
    codes.setflags(write=False)
    return codes


def _choose_windows(codes: np.ndarray, config: SimConfig) -> dict[str, np.ndarray]:
    """Start coordinates of every split's windows: N-free, disjoint regions, 200-bp bins.

    The slice is cut into 50-kb blocks and whole blocks are dealt to the
    splits (seeded, in proportion to the split sizes), so each split samples
    the whole chromosome's variety (GC-rich and AT-rich stretches) while the
    regions stay disjoint: a window must lie inside one block, so windows of
    different splits never share a base. Within its blocks a split draws
    windows centred on distinct 200-bp bins without replacement, kept in
    chromosome order (as in DeepSEA's files).
    """
    w = config.window
    centers = np.arange(w // 2, codes.size - w // 2, _BIN, dtype=np.int64)
    starts = centers - w // 2
    starts = starts[_n_free(codes, starts, w) & (starts // _BLOCK == (starts + w - 1) // _BLOCK)]
    total = sum(config.sizes.values())
    if total > starts.size // 2:
        raise ValueError(f"DeepSEA-sim can place at most {starts.size // 2} windows on the chromosome slice, "
                         f"{total} were requested")
    block = starts // _BLOCK
    blocks = np.unique(block)
    share = np.array([config.sizes[s] for s in SPLITS], dtype=np.float64) / total
    counts = np.maximum(1, np.floor(share * blocks.size).astype(np.int64))
    counts[0] = blocks.size - counts[1:].sum()
    rng = np.random.default_rng([config.seed, 1])
    owner = rng.permutation(np.repeat(np.arange(len(SPLITS)), counts))
    split_of = owner[np.searchsorted(blocks, block)]
    out = {}
    for k, split in enumerate(SPLITS):
        inside = starts[split_of == k]
        need = config.sizes[split]
        if need > inside.size:
            raise ValueError(f"not enough clean windows for {split}: {inside.size} < {need}")
        out[split] = np.sort(rng.choice(inside, size=need, replace=False))
    return out


def _background_sample(codes: np.ndarray, config: SimConfig) -> np.ndarray:
    """Middle windows of 20,000 random N-free windows anywhere on the slice (fixed seed)."""
    rng = np.random.default_rng(_BACKGROUND_SEED)
    s = config.signal_width
    cand = rng.integers(0, codes.size - s, size=3 * _BACKGROUND_WINDOWS)
    cand = cand[_n_free(codes, cand, s)][:_BACKGROUND_WINDOWS]
    return _cut(codes, cand, s)


@lru_cache(maxsize=4)
def _background_scales(signal_width: int, strong_rate: float, weak_rate: float,
                       release: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Motif score thresholds (weak, strong) and CpG/GC scale from unplanted background windows."""
    config = SimConfig(signal_width=signal_width, strong_rate=strong_rate, weak_rate=weak_rate,
                       jaspar_release=release)
    background = _background_sample(_genome_codes(), config)
    scanner = MotifScanner(build_grammar(release=release).motifs)
    best, _, _ = scanner.scan(background)
    tau_hi = np.quantile(best, 1 - strong_rate, axis=0)
    tau_lo = np.quantile(best, 1 - weak_rate, axis=0)
    tau_hi = np.maximum(tau_hi, tau_lo + 1e-3)
    ctx = _context(background)
    return tau_lo, tau_hi, ctx.mean(axis=0), ctx.std(axis=0) + 1e-6


def _n_free(codes: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """Which windows ``[start, start + width)`` hold no N (binary search in the N positions)."""
    n_pos = np.flatnonzero(codes == 4)
    return np.searchsorted(n_pos, starts + width) == np.searchsorted(n_pos, starts)


def _cut(codes: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """Rows ``codes[start:start + width]`` as one ``(n, width)`` array (no index temporaries)."""
    return np.lib.stride_tricks.sliding_window_view(codes, width)[starts]


def _context(signal: np.ndarray) -> np.ndarray:
    """CpG and GC counts of each row, ``float32`` ``(n, 2)``."""
    cpg = ((signal[:, :-1] == 1) & (signal[:, 1:] == 2)).sum(axis=1)
    gc = ((signal == 1) | (signal == 2)).sum(axis=1)
    return np.stack([cpg, gc], axis=1).astype(np.float32)


# --------------------------------------------------------------------------- planting


def _plant(signal: np.ndarray, grammar: Grammar, scanner: MotifScanner, tau_hi: np.ndarray,
           rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Plant motif sites into ``signal`` (modified in place); return the planted-site table."""
    n, s = signal.shape
    busy = np.zeros((n, s), dtype=bool)
    rows, motif_ids, starts, strands, scores = [], [], [], [], []
    for m, motif in enumerate(grammar.motifs):
        chosen = np.flatnonzero(rng.random(n) < grammar.plant_rate[m])
        if chosen.size == 0:
            continue
        w = motif.width
        # best-of-32 PWM draws, preferring the first that reaches the strong threshold
        draws = sample_instances(motif, chosen.size * _CANDIDATES, rng).reshape(chosen.size, _CANDIDATES, w)
        lo = motif.log_odds
        draw_scores = lo[np.arange(w), draws].sum(axis=2)
        strong = draw_scores >= tau_hi[m]
        pick = np.where(strong.any(axis=1), strong.argmax(axis=1), draw_scores.argmax(axis=1))
        site = draws[np.arange(chosen.size), pick]
        site_score = draw_scores[np.arange(chosen.size), pick]
        strand = np.where(rng.random(chosen.size) < 0.5, 1, -1).astype(np.int8)
        site = np.where(strand[:, None] == 1, site, 3 - site[:, ::-1])
        # a free position: eight random tries, the first whose bases are all free wins
        tries = rng.integers(0, s - w + 1, size=(chosen.size, 8))
        cum = np.concatenate([np.zeros((chosen.size, 1), np.int32), np.cumsum(busy[chosen], axis=1, dtype=np.int32)],
                             axis=1)
        taken = np.take_along_axis(cum, tries + w, axis=1) - np.take_along_axis(cum, tries, axis=1)
        ok = taken == 0
        placed = ok.any(axis=1)
        start = tries[np.arange(chosen.size), ok.argmax(axis=1)]
        chosen, site, start, strand, site_score = (a[placed] for a in (chosen, site, start, strand, site_score))
        pos = start[:, None] + np.arange(w)
        signal[chosen[:, None], pos] = site
        busy[chosen[:, None], pos] = True
        rows.append(chosen)
        motif_ids.append(np.full(chosen.size, m, dtype=np.int16))
        starts.append(start.astype(np.int16))
        strands.append(strand)
        scores.append(site_score.astype(np.float32))
    cat = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.empty(0, dt)  # noqa: E731
    return {"row": cat(rows, np.int32), "motif": cat(motif_ids, np.int16), "start": cat(starts, np.int16),
            "strand": cat(strands, np.int8), "score": cat(scores, np.float32)}
