"""DeepSEA-sim's label model: site strengths, cell accessibility, feature logits and their calibration.

A window's *site strength* ``h`` per motif ramps from the weak to the strong
score threshold (:func:`_site_strength`). Accessibility per cell type
(:func:`_accessibility`, weights :data:`_ACCESS`) and each feature's logit
(:func:`_feature_base` plus ``delta_f * h_motif + alpha_f``) follow the
grammar; :func:`_calibrate` solves ``alpha`` and ``delta`` so that every
feature reaches its DeepSEA positive rate with the chosen share of positives
carrying its site.
"""

from __future__ import annotations

import numpy as np

from genomenb.data.deepsea_sim.grammar import Grammar

_ACCESS = (3.0, 0.5, 0.3, 1.0)  # A = lineage, ubiquitous, CpG, cell noise


def _site_strength(best: np.ndarray, tau_lo: np.ndarray, tau_hi: np.ndarray) -> np.ndarray:
    return np.clip((best - tau_lo) / (tau_hi - tau_lo), 0.0, 1.0).astype(np.float32)


def _accessibility(h: np.ndarray, ctx_z: np.ndarray, noise: np.ndarray,
                   grammar: Grammar) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A, lineage sites, ubiquitous sites) for every window and cell type."""
    ubiq = h[:, grammar.ubiquitous].sum(axis=1)
    lineage = np.stack([h[:, list(ms)].sum(axis=1) for ms in grammar.cell_motifs], axis=1)
    a_lin, a_ubiq, a_cpg, a_noise = _ACCESS
    access = a_lin * lineage + (a_ubiq * ubiq + a_cpg * ctx_z[:, 0])[:, None] + a_noise * noise
    return access.astype(np.float32), lineage.astype(np.float32), ubiq.astype(np.float32)


def _feature_base(feats: np.ndarray, grammar: Grammar, h: np.ndarray, ctx_z: np.ndarray, noise: np.ndarray,
                  access: np.ndarray, lineage: np.ndarray, ubiq: np.ndarray) -> np.ndarray:
    """Logit of ``feats`` without alpha and the motif term, ``float32`` ``(n, len(feats))``."""
    cell = grammar.feature_cell[feats]
    w = grammar.weights[feats].astype(np.float32)
    base = w[:, 0] * access[:, cell] + w[:, 1] * lineage[:, cell] + w[:, 4] * noise[:, cell]
    base += w[:, 2] * ctx_z[:, :1] + w[:, 3] * ctx_z[:, 1:2]
    base += grammar.ubiq_weight[feats].astype(np.float32) * ubiq[:, None]
    return base


def _solve_offset(base: np.ndarray, rate: np.ndarray, mask: np.ndarray | None = None, iters: int = 40) -> np.ndarray:
    """Per column, the offset ``a`` with ``mean(sigmoid(a + base)) = rate`` over the masked rows (Newton)."""
    rate = np.clip(rate, 1e-7, 1 - 1e-7)
    count = base.shape[0] if mask is None else np.maximum(mask.sum(axis=0), 1)
    start = base.mean(axis=0) if mask is None else (base * mask).sum(axis=0) / count
    a = (np.log(rate / (1 - rate)) - start).astype(np.float64)
    p = np.empty_like(base)
    dp = np.empty_like(base)
    for _ in range(iters):
        np.add(base, a.astype(np.float32), out=p)
        np.negative(p, out=p)
        with np.errstate(over="ignore"):
            np.exp(p, out=p)
        p += 1.0
        np.reciprocal(p, out=p)  # sigmoid
        np.multiply(p, p, out=dp)
        np.subtract(p, dp, out=dp)  # p (1 - p)
        if mask is not None:
            p *= mask
            dp *= mask
        mean = p.sum(axis=0, dtype=np.float64) / count
        slope = np.maximum(dp.sum(axis=0, dtype=np.float64) / count, 1e-12)
        a -= np.clip((mean - rate) / slope, -4, 4)
        if np.all(np.abs(mean - rate) <= 1e-6 * rate):
            break
    return a


def _calibrate(grammar: Grammar, h: np.ndarray, base_fn, n: int, site_fraction: float,
               rng: np.random.Generator) -> None:
    """Fill ``grammar.alpha`` and ``grammar.delta`` so each feature hits its target rate."""
    n_feat = len(grammar.target_rate)
    alpha = np.zeros(n_feat)
    delta = np.zeros(n_feat)
    sub = np.sort(rng.choice(n, size=min(n, 30_000), replace=False))  # offsets of the two groups
    for lo in range(0, n_feat, 64):
        feats = np.arange(lo, min(lo + 64, n_feat))
        base = base_fn(feats)
        rate = grammar.target_rate[feats]
        motif = grammar.feature_motif[feats]
        has = motif >= 0
        hm = np.zeros_like(base)
        if has.any():
            hm[:, has] = h[:, motif[has]]
            hs, bs = hm[sub], base[sub]
            strong = (hs >= 1.0).astype(np.float32)
            none = (hs <= 0.0).astype(np.float32)
            share1 = np.maximum(strong.mean(axis=0), 1e-6)
            share0 = np.maximum(none.mean(axis=0), 1e-6)
            r1 = np.clip(site_fraction * rate / share1, 1e-7, 0.9)
            r0 = np.clip((1 - site_fraction) * rate / share0, 1e-7, 0.9)
            a1 = _solve_offset(bs, r1, strong)
            a0 = _solve_offset(bs, r0, none)
            enough = strong.sum(axis=0) >= 5  # too few strong windows: no reliable site effect
            d = np.where(has & enough, np.clip(a1 - a0, 0.0, 12.0), 0.0)
        else:
            d = np.zeros(len(feats))
        logit = base + (d.astype(np.float32) * hm)
        a = _solve_offset(logit, rate)
        zero = rate <= 0
        a[zero] = -np.inf
        alpha[feats] = a
        delta[feats] = d
    grammar.alpha, grammar.delta = alpha, delta
