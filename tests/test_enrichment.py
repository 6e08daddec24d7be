"""The knockout statistics: rank-sum and top-k Fisher tests, BH q-values across filters.

The deltas of the first tests are simulated (named so): planted targets whose
|delta| is shifted, and random target sets under the null. The last test is a
real-data positive control: the measured heat-shock response of the Gasch
(2000) genes and the PANDA motif-prior targets of Msn4 (the STRE factor).
"""


import numpy as np
import pandas as pd
import pytest
from scipy import stats

from genomenb.data import yeast
from genomenb.interpret.enrichment import bh_qvalues, knockout_table, knockout_test

N_GENES = 2553  # as many as the real expression genes


def _simulated_deltas(seed, n=N_GENES):
    return np.random.default_rng(seed).normal(0.0, 0.1, n)


def test_planted_targets_are_found():
    """Simulated: 60 targets with |delta| shifted up are detected by both tests."""
    rng = np.random.default_rng(1)
    delta = _simulated_deltas(0)
    targets = np.zeros(N_GENES, dtype=bool)
    targets[rng.choice(N_GENES, 60, replace=False)] = True
    delta[targets] += rng.choice([-1, 1], targets.sum()) * 0.3  # both signs: the test uses |delta|
    res = knockout_test(delta, targets, top=100)
    assert res["p_ranksum"] < 1e-3 and res["p_fisher"] < 1e-3
    assert res["auc"] > 0.9 and res["median_ratio"] > 3
    assert res["top_targets"] > 5 * res["expected_top_targets"]
    assert res["n_genes"] == N_GENES and res["n_targets"] == 60
    # the planted effect, reversed, is not "greater"
    assert knockout_test(delta, targets, alternative="less")["p_ranksum"] > 0.99


def test_random_targets_give_uniform_pvalues():
    """Simulated null: random target sets, 50 seeds; p-values look uniform."""
    delta = _simulated_deltas(0)
    p_rs, p_f = [], []
    for seed in range(50):
        targets = np.zeros(N_GENES, dtype=bool)
        targets[np.random.default_rng(100 + seed).choice(N_GENES, 100, replace=False)] = True
        res = knockout_test(delta, targets, top=100)
        p_rs.append(res["p_ranksum"])
        p_f.append(res["p_fisher"])
    assert 0.3 < np.mean(p_rs) < 0.7
    assert np.mean(np.array(p_rs) < 0.05) <= 0.12
    assert 0.3 < np.mean(p_f) < 0.8  # Fisher's p is discrete and conservative: mean a little above 0.5
    assert stats.kstest(p_rs, "uniform").pvalue > 0.01


def test_statistics_match_hand_computation():
    """Simulated deltas: U, AUC and Fisher's table against direct counting."""
    delta = _simulated_deltas(3, 300)
    delta[5] = np.nan  # dropped from both tests
    targets = np.zeros(300, dtype=bool)
    targets[::7] = True
    res = knockout_test(delta, targets, top=30)
    keep = ~np.isnan(delta)
    a, t = np.abs(delta[keep]), targets[keep]
    on, off = a[t], a[~t]
    u = (on[:, None] > off[None, :]).sum() + 0.5 * (on[:, None] == off[None, :]).sum()
    assert res["u_statistic"] == pytest.approx(u)
    assert res["auc"] == pytest.approx(u / (on.size * off.size))
    top = np.argsort(-a)[:30]
    k = int(t[top].sum())
    assert res["top_targets"] == k and res["n_genes"] == 299
    # one-sided Fisher = hypergeometric upper tail P(X >= k)
    p = stats.hypergeom.sf(k - 1, a.size, int(t.sum()), 30)
    assert res["p_fisher"] == pytest.approx(p, rel=1e-9)
    n_t = int(t.sum())
    assert res["odds_ratio"] == pytest.approx(k * (a.size - 30 - n_t + k) / ((30 - k) * (n_t - k)))


def test_bh_matches_hand_computation():
    p = np.array([0.01, 0.04, 0.03, 0.5, np.nan, 0.002])
    finite = np.array([0.01, 0.04, 0.03, 0.5, 0.002])
    m = finite.size
    order = np.argsort(finite)
    ranked = finite[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    hand = np.empty(m)
    hand[order] = np.minimum(q_sorted, 1.0)
    q = bh_qvalues(p)
    assert np.isnan(q[4])
    np.testing.assert_allclose(q[[0, 1, 2, 3, 5]], hand)
    # hand values: sorted p .002 .01 .03 .04 .5 -> .01 .025 .05 .05 .5
    np.testing.assert_allclose(hand, [0.025, 0.05, 0.05, 0.5, 0.01])


def test_table_has_one_row_per_filter_with_q_values():
    """Simulated: three filters, one with planted targets."""
    rng = np.random.default_rng(7)
    deltas, targets = {}, {}
    for i, shift in enumerate([0.3, 0.0, 0.0]):
        d = _simulated_deltas(10 + i)
        t = np.zeros(N_GENES, dtype=bool)
        t[rng.choice(N_GENES, 50, replace=False)] = True
        d[t] += shift
        deltas[f"filter_{i}"], targets[f"filter_{i}"] = d, t
    table = knockout_table(deltas, targets, top=100, labels={"filter_0": "MIG1"})
    assert isinstance(table, pd.DataFrame)
    assert list(table["filter"]) == ["filter_0", "filter_1", "filter_2"]
    assert list(table["tf"]) == ["MIG1", "", ""]
    np.testing.assert_allclose(table["q_ranksum"], stats.false_discovery_control(table["p_ranksum"]))
    np.testing.assert_allclose(table["q_fisher"], bh_qvalues(table["p_fisher"].to_numpy()))
    assert table.loc[0, "q_ranksum"] < 1e-3 and (table["q_ranksum"] >= table["p_ranksum"]).all()
    with pytest.raises(ValueError, match="no target mask"):
        knockout_table(deltas, {"filter_0": targets["filter_0"]})


def test_bad_inputs_are_rejected():
    d = _simulated_deltas(0, 50)
    t = np.zeros(50, dtype=bool)
    t[:5] = True
    with pytest.raises(ValueError, match="boolean"):
        knockout_test(d, t.astype(int))
    with pytest.raises(ValueError, match="shape"):
        knockout_test(d, t[:40])
    with pytest.raises(ValueError, match="top"):
        knockout_test(d, t, top=50)
    with pytest.raises(ValueError, match="targets and non-targets"):
        knockout_test(d, np.zeros(50, dtype=bool))
    with pytest.raises(ValueError, match="alternative"):
        knockout_test(d, t, alternative="bigger")


def test_real_positive_control_msn4_targets_respond_to_heat_shock():
    """Real data: the genes with an STRE (PANDA prior targets of Msn4, YKL062W) change more in heat shock."""
    data = yeast.load_yeast()
    prior = yeast.motif_prior()
    heat = data.expression[:, :8].astype(np.float64)  # the eight 'hs-1' heat-shock columns
    seen = np.isfinite(heat).sum(axis=1)
    delta = np.where(seen > 0, np.nansum(heat, axis=1) / np.maximum(seen, 1), np.nan)  # NaN: no value
    targets = np.isin(data.genes, prior.loc[prior["tf"] == "YKL062W", "target"].to_numpy())
    res = knockout_test(delta, targets, top=100)
    assert res["n_targets"] > 500
    assert res["p_ranksum"] < 1e-6 and res["p_fisher"] < 1e-4
    assert res["top_targets"] > 1.5 * res["expected_top_targets"]
