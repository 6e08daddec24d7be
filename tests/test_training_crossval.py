"""Grouped k-fold cross-validation through the one loop: a padded variable-length BiLSTM classifier."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tiny_models import padded_bilstm, variable_length_genes  # noqa: E402

from genomenb.data.splits import check_disjoint_groups, grouped_folds  # noqa: E402
from genomenb.predict import predict  # noqa: E402
from genomenb.training import cross_validate, select_models  # noqa: E402
from genomenb.training.batches import ArrayBatches, trimmed_length  # noqa: E402


def test_grouped_folds_keep_every_group_on_one_side():
    tokens, labels, groups = variable_length_genes()
    for y in (labels, None):
        folds = grouped_folds(groups, 5, labels=y, seed=1)
        assert len(folds) == 5
        tested = np.concatenate([te for _, te in folds])
        assert sorted(tested) == list(range(len(groups)))  # every example tested exactly once
        for train, test in folds:
            assert not set(groups[train]) & set(groups[test])
    with pytest.raises(ValueError, match="both sides"):
        check_disjoint_groups(groups, [(np.array([0, 4]), np.array([1]))])  # 0 and 1 are one family
    with pytest.raises(ValueError, match="groups cannot fill"):
        grouped_folds(groups[:8], 5)


def test_merge_groups_joins_clusters_through_shared_families():
    from genomenb.data.splits import merge_groups

    clusters = [0, 0, 1, 2, 3, 4]
    family = ["blaOXA", None, "blaOXA", "tet", float("nan"), "tet"]
    groups = merge_groups(clusters, family)
    assert groups.tolist() == [0, 0, 0, 1, 2, 1]
    folds = grouped_folds(groups, 3)
    check_disjoint_groups(clusters, folds)  # no cluster, nor family, straddles a fold
    named = np.array([isinstance(f, str) for f in family])
    for train, test in folds:  # nor does a family name
        assert not set(np.array(family, object)[train[named[train]]]) & set(np.array(family, object)[test[named[test]]])
    with pytest.raises(ValueError, match="key 1 has 2 values, expected 6"):
        merge_groups(clusters, ["a", "b"])


def test_batches_trim_padding_to_a_multiple():
    tokens, labels, _ = variable_length_genes()
    assert trimmed_length(tokens[:3], 0, 8) % 8 == 0
    batches = ArrayBatches(tokens, labels, feed=lambda b: b, batch_size=4, trim_padding=8)
    for i in range(len(batches)):
        x, _ = batches[i]
        rows = batches.order[i * 4:(i + 1) * 4]
        width = x.shape[1] - (8 if i == 0 else 0)  # the first batch carries one extra block of padding
        assert width % 8 == 0 or width == tokens.shape[1]
        np.testing.assert_array_equal(x[:, :width], tokens[rows, :width])
        assert not x[:, width:].any() and not tokens[rows, width:].any()  # only padding was cut or added


def test_padded_bilstm_grouped_five_fold_cv_resumes_with_identical_numbers(tmp_path):
    tokens, labels, groups = variable_length_genes()
    options = dict(target="multiclass", n_splits=5, seed=0, epochs=2, batch_size=8, learning_rate=0.02,
                   class_weight=True, trim_padding=16, monitor="val_balanced_accuracy", mode="max", verbose=0)
    cv = cross_validate(padded_bilstm, tokens, labels, groups, checkpoint_dir=tmp_path, **options)
    assert len(cv.table) == 5 and cv.table.n_valid.sum() == len(labels)
    for train, valid in cv.folds:
        assert not set(groups[train]) & set(groups[valid])  # no family in two folds
    assert all((tmp_path / f"fold{k}" / "state.json").is_file() for k in range(5))
    assert {"val_loss_mean", "val_balanced_accuracy_mean", "val_balanced_accuracy_sd"} <= set(cv.summary())
    # the mask makes padding irrelevant: the same gene padded further scores the same
    model = cv.results[0].model
    longer = np.pad(tokens[:4], ((0, 0), (0, 20)))
    np.testing.assert_allclose(predict(model, tokens[:4]), predict(model, longer), atol=1e-5)
    again = cross_validate(padded_bilstm, tokens, labels, groups, checkpoint_dir=tmp_path, **options)
    assert all(r.resumed_from_epoch == 2 for r in again.results)
    np.testing.assert_array_equal(again.table.drop(columns=["seconds", "sequences_per_second"]).to_numpy(float),
                                  cv.table.drop(columns=["seconds", "sequences_per_second"]).to_numpy(float))


def test_select_models_ranks_candidates_on_the_same_folds(tmp_path):
    tokens, labels, groups = variable_length_genes(n_families=10, per_family=3)

    def smaller():
        keras.utils.set_random_seed(0)
        inputs = keras.Input((None,), dtype="int32")
        h = keras.layers.Embedding(5, 2, mask_zero=True)(inputs)
        h = keras.layers.GlobalAveragePooling1D()(h)
        return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(h))

    table, runs = select_models({"bilstm": padded_bilstm, "mean_embedding": smaller}, tokens, labels, groups,
                                target="multiclass", checkpoint_dir=tmp_path, n_splits=3, epochs=1, batch_size=8,
                                verbose=0)
    assert list(table["rank"]) == [1, 2] and set(table.candidate) == {"bilstm", "mean_embedding"}
    assert table.val_loss_mean.is_monotonic_increasing
    for run in runs.values():
        assert [list(te) for _, te in run.folds] == [list(te) for _, te in runs["bilstm"].folds]
