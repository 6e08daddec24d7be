"""Attribution maps, optimized inputs and filter PWMs on small models with known answers."""

import numpy as np
import pandas as pd
import pytest

keras = pytest.importorskip("keras")

from genomenb import interpret  # noqa: E402
from genomenb.encode import one_hot  # noqa: E402
from genomenb.models.multitask import build_bigru_multitask, build_deepsea_cnn  # noqa: E402

# A made-up 8-bp motif: 85% on the consensus base TGACTCAG, 5% on each other base.
CONSENSUS = np.array([3, 2, 0, 1, 3, 1, 0, 2])
MOTIF = np.full((8, 4), 0.05)
MOTIF[np.arange(8), CONSENSUS] = 0.85


def scanner_model(length: int = 40, padding: str = "valid", kernel_pad: int = 0, bias: float = -4.0) -> keras.Model:
    """Scores the best match of MOTIF on either strand; task 0 goes up and task 1 down with it.

    Filter 0 holds MOTIF's log-odds, filter 1 its reverse complement's; the
    best window over positions and both filters is kept. ``kernel_pad`` zero
    columns are added after the motif in each filter, so "same" padding with
    an even kernel can be checked. A negative ``bias`` silences weak matches.
    """
    w = MOTIF.shape[0] + kernel_pad
    inputs = keras.Input((length, 4))
    scan = keras.layers.Conv1D(2, w, padding=padding, activation="relu", name="scan")(inputs)
    flat = keras.layers.Reshape((-1, 1))(scan)
    best = keras.layers.GlobalMaxPooling1D()(flat)
    outputs = keras.layers.Dense(2, activation="sigmoid", name="tasks")(best)
    model = keras.Model(inputs, outputs)
    kernel = np.zeros((w, 4, 2), dtype=np.float32)
    log_odds = np.log2(MOTIF / 0.25)
    kernel[:MOTIF.shape[0], :, 0] = log_odds
    kernel[:MOTIF.shape[0], :, 1] = log_odds[::-1, ::-1]
    model.get_layer("scan").set_weights([kernel, np.array([bias, bias], dtype=np.float32)])
    model.get_layer("tasks").set_weights([np.array([[1.0, -1.0]], dtype=np.float32),
                                          np.array([-6.0, 6.0], dtype=np.float32)])
    return model


def planted_sequences(n: int = 12, length: int = 40, seed: int = 0):
    """Random sequences with one consensus site each, half on the reverse strand; and the sites table."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, length)).astype(np.uint8)
    rows = []
    for i in range(n):
        start = int(rng.integers(0, length - 8))
        strand = 1 if i % 2 == 0 else -1
        site = CONSENSUS if strand == 1 else (3 - CONSENSUS)[::-1]
        codes[i, start:start + 8] = site
        rows.append((i, start, 8, strand))
    sites = pd.DataFrame(rows, columns=["seq", "start", "width", "strand"])
    sites.attrs["n"] = n
    return codes, sites


def small_cnn(length=20, tasks=3):
    keras.utils.set_random_seed(1)
    return build_deepsea_cnn(length, tasks, filters=(6, 5, 4), kernel=5, pool=2, dense_units=8, padding="same")


def finite_difference(model, x, task, eps=1e-3):
    """Central differences of the logit of ``task`` for every input entry, in one batch."""
    logit_model = interpret.scoring_model(model, "logit")
    n, length, _ = x.shape
    plus = np.repeat(x[:, None], length * 4, axis=1).astype(np.float64)
    minus = plus.copy()
    idx = np.arange(length * 4)
    plus[:, idx, idx // 4, idx % 4] += eps
    minus[:, idx, idx // 4, idx % 4] -= eps
    both = np.concatenate([plus, minus], axis=1).reshape(-1, length, 4).astype(np.float32)
    out = np.asarray(logit_model.predict_on_batch(both), dtype=np.float64)[:, task].reshape(n, 2, length * 4)
    return ((out[:, 0] - out[:, 1]) / (2 * eps)).reshape(n, length, 4)


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("family", ["cnn", "bigru"])
def test_gradients_agree_with_finite_differences(family):
    model = small_cnn() if family == "cnn" else build_bigru_multitask(20, 3, units=4, n_layers=1)
    rng = np.random.default_rng(0)
    x = one_hot(rng.integers(0, 4, size=(3, 20)).astype(np.uint8))
    grads = interpret.input_gradients(model, x, 1)
    numeric = finite_difference(model, x, 1)
    scale = np.abs(numeric).max()
    assert scale > 1e-3
    np.testing.assert_allclose(grads, numeric, atol=2e-3 * scale)
    np.testing.assert_allclose(interpret.saliency(model, x, 1), grads * x, rtol=1e-6)


def test_logit_copy_matches_the_model_and_leaves_it_unchanged():
    model = small_cnn()
    x = one_hot(np.random.default_rng(2).integers(0, 5, size=(4, 20)).astype(np.uint8))
    probs = interpret.predict_scores(model, x, output="probability")
    logits = interpret.predict_scores(model, x, output="logit")
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), probs, atol=1e-6)
    assert model.layers[-1].activation.__name__ == "sigmoid"
    # per-sequence tasks pick one column each
    picked = interpret.predict_scores(model, x, [0, 2, 1, 0], output="probability")
    np.testing.assert_allclose(picked, probs[np.arange(4), [0, 2, 1, 0]])
    # the chain rule links the two gradients: d logit = d p / (p (1 - p))
    g_logit = interpret.input_gradients(model, x, 2)
    g_prob = interpret.input_gradients(model, x, 2, output="probability")
    p = probs[:, 2][:, None, None]
    np.testing.assert_allclose(g_prob, g_logit * p * (1 - p), atol=1e-6)


def test_per_sequence_tasks_give_each_sequence_its_own_gradient():
    model = small_cnn()
    x = one_hot(np.random.default_rng(3).integers(0, 4, size=(5, 20)).astype(np.uint8))
    mixed = interpret.input_gradients(model, x, [0, 1, 2, 1, 0], batch_size=2)
    for i, t in enumerate([0, 1, 2, 1, 0]):
        np.testing.assert_allclose(mixed[i], interpret.input_gradients(model, x[i:i + 1], t)[0], atol=1e-6)


def test_bad_inputs_are_refused():
    model = small_cnn()
    with pytest.raises(ValueError, match=r"\(n, L, 4\)"):
        interpret.saliency(model, np.zeros((2, 20)), 0)
    with pytest.raises(ValueError, match="task"):
        interpret.saliency(model, np.zeros((2, 20, 4)), 3)
    with pytest.raises(ValueError, match="output"):
        interpret.scoring_model(model, "softmax")
    with pytest.raises(ValueError, match="Conv1D"):
        interpret.filter_pwms(build_bigru_multitask(20, 3, units=4, n_layers=1), np.zeros((2, 20, 4)))


# --------------------------------------------------------------------------- mutagenesis and temporal scores


def test_mutagenesis_is_the_exact_effect_of_each_substitution():
    model = small_cnn()
    codes = np.random.default_rng(4).integers(0, 4, size=(2, 20)).astype(np.uint8)
    codes[1, 5] = 4  # an N: all four bases are substitutions
    x = one_hot(codes)
    effects = interpret.in_silico_mutagenesis(model, x, [2, 0], batch_size=64)
    assert effects.shape == x.shape
    assert (effects[x == 1] == 0).all()
    base = interpret.predict_scores(model, x, [2, 0])
    for i, task in ((0, 2), (1, 0)):
        for pos, b in ((3, 1), (5, 2), (19, 0)):
            mutant = codes[i].copy()
            mutant[pos] = b
            direct = interpret.predict_scores(model, one_hot(mutant[None]), task)[0] - base[i]
            assert effects[i, pos, b] == pytest.approx(direct, abs=1e-5)


def test_temporal_scores_run_from_empty_to_full_sequence():
    model = build_bigru_multitask(16, 2, units=3, n_layers=1)
    x = one_hot(np.random.default_rng(5).integers(0, 4, size=(3, 16)).astype(np.uint8))
    full = interpret.predict_scores(model, x, 1, output="probability")
    empty = interpret.predict_scores(model, np.zeros_like(x), 1, output="probability")
    for direction in ("forward", "reverse"):
        curve, revealed = interpret.temporal_scores(model, x, 1, direction=direction)
        assert revealed.tolist() == list(range(17))
        np.testing.assert_allclose(curve[:, -1], full, atol=1e-6)
        np.testing.assert_allclose(curve[:, 0], empty, atol=1e-6)
        change = interpret.temporal_importance(curve, direction)
        assert change.shape == (3, 16)
        np.testing.assert_allclose(change.sum(axis=1), full - empty, atol=1e-5)
    coarse, revealed = interpret.temporal_scores(model, x, 1, step=5)
    assert revealed.tolist() == [0, 5, 10, 15, 16] and coarse.shape == (3, 5)
    # a prefix of 5 bases: the model sees bases 0-4 and N after them
    prefix = x.copy()
    prefix[:, 5:] = 0
    np.testing.assert_allclose(coarse[:, 1], interpret.predict_scores(model, prefix, 1, output="probability"),
                               atol=1e-6)


# --------------------------------------------------------------------------- known motif: every method finds it


def test_attributions_rank_a_planted_motif_above_the_rest():
    model = scanner_model()
    codes, sites = planted_sequences()
    scores = interpret.attribution_scores(model, one_hot(codes), 0)
    assert set(scores) == set(interpret.ATTRIBUTION_METHODS)
    mask = interpret.planted_site_mask(sites, codes.shape[1])
    assert mask.sum() == 8 * len(codes)
    per_sequence = interpret.rank_planted_positions(scores, mask)
    summary = interpret.summarize_ranking(per_sequence)
    assert summary.loc["saliency", "mean_auroc"] == 1.0  # only the best window passes the max-pooling
    assert summary.loc["ism", "mean_auroc"] > 0.95
    assert abs(summary.loc["random", "mean_auroc"] - 0.5) < 0.15
    assert summary.index[0] in ("saliency", "ism", "gradient", "temporal")
    # the saliency at the sites, aligned on the motif's strand, reads like the motif
    pattern = interpret.aligned_site_attributions(interpret.saliency(model, one_hot(codes), 0), sites)
    assert (pattern.argmax(axis=1) == CONSENSUS).all()


def test_ranking_metrics_on_perfect_and_inverted_scores():
    mask = np.zeros((2, 10), dtype=bool)
    mask[0, 2:5] = True
    mask[1, 7:9] = True
    table = interpret.rank_planted_positions({"perfect": mask * 1.0, "inverted": ~mask * 1.0}, mask)
    assert (table["perfect_auroc"] == 1).all() and (table["inverted_auroc"] == 0).all()
    assert (table["perfect_aupr"] == 1).all()
    np.testing.assert_allclose(table["planted_fraction"], [0.3, 0.2])
    sites = pd.DataFrame({"seq": [0, 1], "start": [-2, 8], "width": [4, 5]})
    clipped = interpret.planted_site_mask(sites, 10)
    assert clipped[0].tolist() == [True, True] + [False] * 8 and clipped[1, 8:].all()


def test_class_optimization_recovers_the_motif():
    model = scanner_model(bias=0.0)  # with a negative bias no filter fires at the start: no gradient
    result = interpret.class_optimization(model, 0, steps=150, learning_rate=0.5, l2=0.02, n_starts=3)
    assert result.objective[-1] > result.objective[0]
    assert result.input.shape == (40, 4) and result.starts.shape == (3, 40, 4)
    score, offset, strand = interpret.pwm_similarity(result.input, MOTIF)
    assert score > 0.9
    window = result.input[offset:offset + 8] if strand == 1 else \
        interpret.reverse_complement_matrix(result.input[offset:offset + 8])
    assert (window.argmax(axis=1) == CONSENSUS).all()
    assert np.allclose(result.pwm().sum(axis=1), 1.0)
    # the task that the motif pushes down is optimized away from it
    against = interpret.class_optimization(model, 1, steps=50, learning_rate=0.5, l2=0.02)
    assert against.score > interpret.predict_scores(model, result.input[None], 1)[0]


@pytest.mark.parametrize("padding, kernel_pad", [("valid", 0), ("same", 2), ("same", 1)])
def test_filter_pwm_recovers_the_planted_motif(padding, kernel_pad):
    model = scanner_model(padding=padding, kernel_pad=kernel_pad)
    codes, _ = planted_sequences(40)
    found = interpret.filter_pwms(model, one_hot(codes))
    assert found.layer == "scan" and found.pwms.shape == (2, 8 + kernel_pad, 4)
    assert (found.n_sites >= 20).all()  # half the sites on each strand
    assert (found.pwms[0, :8].argmax(axis=1) == CONSENSUS).all()
    assert (found.pwms[1, :8].argmax(axis=1) == (3 - CONSENSUS)[::-1]).all()
    for f, expected_strand in ((0, 1), (1, -1)):
        score, offset, strand = interpret.pwm_similarity(found.pwms[f], MOTIF)
        assert score > 0.9 and offset == 0 and strand == expected_strand
    assert (found.information_content > 5).all()


# --------------------------------------------------------------------------- comparing matrices


def test_pwm_similarity_finds_offset_and_strand():
    assert interpret.pwm_similarity(MOTIF, MOTIF) == (pytest.approx(1.0), 0, 1)
    rc = interpret.reverse_complement_matrix(MOTIF)
    score, offset, strand = interpret.pwm_similarity(rc, MOTIF)
    assert score == pytest.approx(1.0) and strand == -1
    longer = np.full((20, 4), 0.25)
    longer[5:13] = MOTIF
    assert interpret.pwm_similarity(longer, MOTIF)[:2] == (pytest.approx(1.0), 5)
    # flat columns carry no information: they correlate with nothing
    assert interpret.pwm_similarity(np.full((8, 4), 0.25), MOTIF)[0] == 0.0


def test_match_motifs_ranks_the_true_motif_first():
    from genomenb.data.motifs import Motif

    other = np.roll(MOTIF, 2, axis=1)
    motifs = [Motif("decoy", "X1.1", other), Motif("planted", "X2.1", MOTIF)]
    table = interpret.match_motifs([MOTIF + 0.01], motifs, names=["query"], top=2)
    assert table["motif"].tolist() == ["planted", "decoy"]
    assert table["rank"].tolist() == [1, 2] and table["pattern"].eq("query").all()


# --------------------------------------------------------------------------- choosing cases, tables and barcodes


def test_sites_and_cases_follow_the_ground_truth_layout():
    raw = pd.DataFrame({"row": [10, 10, 12, 15, 15], "motif": [0, 1, 0, 2, 0],
                        "start_in_crop": [3, 40, -2, 5, 20], "width": [8, 8, 8, 6, 8], "strand": [1, -1, 1, 1, -1],
                        "planted": [True, True, True, True, False]})
    sites = interpret.sites_in_arrays(raw, np.array([10, 12, 15]), 44)
    # the site running off the crop (-2) and the one past the end (40 + 8 > 44) go; so does the genuine match
    assert sites[["seq", "start", "motif"]].values.tolist() == [[0, 3, 0], [2, 5, 2]]
    cases, case_sites = interpret.planted_cases(sites, {7: (0, (2,)), 8: (2, ())}, per_task=5)
    assert cases[["seq", "task", "motif"]].values.tolist() == [[0, 7, 0], [2, 8, 2]]
    assert case_sites["seq"].tolist() == [0, 1] and case_sites["own"].tolist() == [True, True]
    assert case_sites.attrs["n"] == 2
    assert interpret.case_site_spans(case_sites, 1, ["a", "b", "c"]) == [(5, 6, "c")]
    assert interpret.case_site_spans(None, 0, []) == []


def test_best_task_per_motif_keeps_one_task_per_motif():
    auroc = np.array([0.9, 0.95, 0.7, np.nan, 0.99])
    motifs = ["M1", "M1", "M2", "M2", ""]
    table = interpret.best_task_per_motif(auroc, motifs, n_tasks=5)
    assert table[["task", "motif"]].values.tolist() == [[1, "M1"], [2, "M2"]]
    eligible = np.array([True, False, True, True, True])
    assert interpret.best_task_per_motif(auroc, motifs, eligible=eligible)["task"].tolist() == [0, 2]


def test_substitution_importance_is_the_mean_loss_at_the_observed_base():
    x = one_hot(np.array([[0, 4]], dtype=np.uint8))
    effects = np.zeros((1, 2, 4), dtype=np.float32)
    effects[0, 0, 1:] = [-1.0, -2.0, -3.0]
    effects[0, 1] = [1.0, 1.0, 1.0, 1.0]
    out = interpret.substitution_importance(effects, x)
    np.testing.assert_allclose(out[0, 0], [2.0, 0, 0, 0])
    np.testing.assert_allclose(out[0, 1], 0.0)  # an N has no observed base
    np.testing.assert_allclose(interpret.position_importance(effects, "ism", x)[0], [2.0, 1.0])


def test_ranked_features_and_their_workbook(tmp_path):
    from openpyxl import load_workbook

    from genomenb.data.features import load_features

    features = load_features()
    rng = np.random.default_rng(0)
    probs = rng.random(len(features))
    labels = (rng.random(len(features)) < 0.05).astype(np.uint8)
    table = interpret.ranked_features(probs, features, labels=labels, thresholds=np.full(len(features), 0.5))
    assert len(table) == 919 and table["rank"].tolist() == list(range(1, 920))
    assert table["probability"].is_monotonic_decreasing
    assert table.loc[0, "index"] == int(probs.argmax())
    assert table["predicted_present"].sum() == (probs >= 0.5).sum()
    path = interpret.export_ranked_features_xlsx(table, tmp_path / "ranked.xlsx", about={"data source": "test"})
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook["ranked_features"].iter_rows(values_only=True))
    workbook.close()
    assert len(rows) == 920 and rows[0][:3] == ("rank", "index", "cell_type")
    assert rows[1][1] == int(probs.argmax())
    with pytest.raises(ValueError, match="one probability per feature"):
        interpret.ranked_features(probs[:10], features)


def test_barcodes_and_grouped_means():
    truth = np.array([[1, 0, 1, 0], [0, 0, 1, 1]])
    calls = interpret.binarize(np.array([[0.9, 0.6, 0.1, 0.2], [0.1, 0.1, 0.8, 0.3]]), [0.5, 0.5, 0.5, 0.25])
    assert calls.tolist() == [[1, 1, 0, 0], [0, 0, 1, 1]]
    agreement = interpret.barcode_agreement(truth, calls)
    assert (agreement["true_positives"], agreement["false_positives"], agreement["false_negatives"],
            agreement["true_negatives"]) == (3, 1, 1, 3)
    assert agreement["f1"] == pytest.approx(0.75) and agreement["error_rate"] == pytest.approx(0.25)
    assert np.isnan(interpret.barcode_agreement(np.zeros((2, 2)), np.zeros((2, 2)))["f1"])
    features = pd.DataFrame({"cell_type": ["A", "A", "B", "B"], "kind": ["DNase", "TF", "TF", "TF"]})
    grid = interpret.grouped_feature_means(np.array([[1.0, 0.0, 0.2, 0.4]]), features, keep_rows=["B", "A"])
    assert grid.index.tolist() == ["B", "A"] and grid.columns.tolist() == ["DNase", "TF"]
    assert grid.loc["B", "TF"] == pytest.approx(0.3) and np.isnan(grid.loc["B", "DNase"])
