"""genomenb.embed: functional classes, hidden states, t-SNE map, mixture occupancy and class separation."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
pytest.importorskip("openTSNE")

from genomenb import embed  # noqa: E402
from genomenb.models.charlm import CharLMConfig, build_char_lm  # noqa: E402


def _tiny_lm(seq_len=None):
    keras.utils.set_random_seed(0)
    return build_char_lm(CharLMConfig(cell="lstm", num_layers=1, hidden_size=8, embedding_dim=4), seq_len=seq_len)


def _blobs(n_per=40, centers=3, dims=6, spread=0.3, seed=0):
    """Well-separated Gaussian clusters: points (n, dims) and their labels."""
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=5.0, size=(centers, dims))
    labels = np.repeat(np.arange(centers), n_per)
    x = means[labels] + rng.normal(scale=spread, size=(len(labels), dims))
    return x.astype(np.float32), np.array([f"class {i}" for i in labels], dtype=object)


def test_class_rules_on_product_strings():
    products = ["50S ribosomal subunit protein L2", "30S ribosomal subunit protein S21", "ribosome-recycling factor",
                "50S ribosomal protein L16-arginine 3-hydroxylase", "threonine--tRNA ligase",
                "tRNA pseudouridine(55) synthase", "putative transporter YaaJ", "Na(+):H(+) antiporter NhaA",
                "putative electron transport protein YccM", "DNA-binding transcriptional activator NhaR",
                "flagellar hook protein FlgE", "chemotaxis protein CheA", "homoserine kinase", None]
    expected = ["ribosomal protein", "ribosomal protein", "other", "other", "tRNA synthetase", "other",
                "transporter", "transporter", "other", "transcriptional regulator", "flagellar/motility",
                "flagellar/motility", "other", "other"]
    classes = embed.functional_classes(products)
    assert classes.tolist() == expected
    counts = embed.class_counts(classes)
    assert counts["class"].iloc[-1] == "other" and not counts["used"].iloc[-1]
    assert counts.set_index("class")["genes"].to_dict()["ribosomal protein"] == 2
    rows = embed.sample_per_class(classes, 1, seed=3, include_other=2)
    assert len(rows) == 5 + 2 and (np.diff(rows) > 0).all()
    assert rows.tolist() == embed.sample_per_class(classes, 1, seed=3, include_other=2).tolist()


def test_hidden_states_of_genes_of_any_length():
    fixed = _tiny_lm(seq_len=12)
    model = embed.variable_length_model(fixed)
    assert model.input_shape == (None, None) and embed.variable_length_model(model) is model
    rows = np.random.default_rng(0).integers(0, 4, (2, 12)).astype(np.uint8)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(rows.astype("int32"))),
                               keras.ops.convert_to_numpy(fixed(rows.astype("int32"))), atol=1e-6)
    assert embed.hidden_layer(model) == "lstm_1"
    genes = [b"ACGTACGTTA", b"GGGCCCATAT" * 3, b"ACG"]
    states = embed.gene_hidden_states(fixed, genes, batch_size=2)
    assert states.points.shape == (43, 8) and states.points.dtype == np.float32
    assert states.owner.tolist() == [0] * 10 + [1] * 30 + [2] * 3 and states.lengths.tolist() == [10, 30, 3]
    thinned = embed.gene_hidden_states(model, genes, step=4)
    assert thinned.points.shape == (3 + 8 + 1, 8)
    np.testing.assert_allclose(thinned.mean, states.mean, atol=1e-6)  # mean over every base either way
    np.testing.assert_allclose(thinned.points[:3], states.points[[0, 4, 8]], atol=1e-6)
    with pytest.raises(ValueError, match="non-empty list"):
        embed.gene_hidden_states(model, [])
    with pytest.raises(ValueError, match="non-empty sequence"):
        embed.gene_hidden_states(model, [b"ACGT", b""])


def test_tsne_is_seeded_and_places_held_points_near_their_cluster():
    x, labels = _blobs(n_per=60, dims=10)
    kw = dict(n_fit=90, pca_dims=5, n_iter=150, early_exaggeration_iter=50, n_jobs=1)
    first = embed.tsne_points(x, seed=1, **kw)
    second = embed.tsne_points(x, seed=1, **kw)
    assert first.coords.shape == (180, 2) and first.coords.dtype == np.float32 and len(first.fit_index) == 90
    np.testing.assert_array_equal(first.coords, second.coords)
    held = np.setdiff1d(np.arange(len(x)), first.fit_index)
    fitted = first.coords[first.fit_index]
    nearest = np.argmin(((first.coords[held, None] - fitted[None]) ** 2).sum(-1), axis=1)
    assert (labels[first.fit_index][nearest] == labels[held]).mean() > 0.95
    np.testing.assert_allclose(first.transform(x[held]), first.coords[held], atol=1e-4)
    with pytest.raises(ValueError, match=r"\(n, 10\)"):
        first.transform(x[:, :4])


def test_occupancy_rows_are_mean_responsibilities():
    rng = np.random.default_rng(0)
    coords = np.concatenate([rng.normal(0, 1, (200, 2)), rng.normal(8, 1, (200, 2))]).astype(np.float32)
    owner = np.repeat(np.arange(4), 100).astype(np.int32)
    mixture = embed.fit_mixture(coords, 2, max_points=300, seed=0)
    occ = embed.occupancy(mixture, coords, owner, chunk=64)
    assert occ.shape == (4, 2) and occ.dtype == np.float32
    np.testing.assert_allclose(occ.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(occ[1], mixture.predict_proba(coords[100:200]).mean(axis=0), atol=1e-5)
    assert occ[0].argmax() == occ[1].argmax() != occ[2].argmax() == occ[3].argmax()
    with pytest.raises(ValueError, match="one entry per point"):
        embed.occupancy(mixture, coords, owner[:10])
    with pytest.raises(ValueError, match="at least one point"):
        embed.occupancy(mixture, coords, owner, 5)
    with pytest.raises(ValueError, match="needs at least 500 points"):
        embed.fit_mixture(coords, 500)


def test_kmer_frequencies_sum_to_one_and_skip_n():
    freqs = embed.kmer_frequencies([b"AAAAC", b"ACGTNACG", "GG"], k=2)
    assert freqs.shape == (3, 16)
    np.testing.assert_allclose(freqs.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(freqs[0, [0, 1]], [0.75, 0.25])  # AA x3, AC x1
    assert freqs[1, 1] == pytest.approx(2 / 5)  # AC in ACGT and ACG; windows with N never counted
    with pytest.raises(ValueError, match="no N-free 5-mer"):
        embed.kmer_frequencies([b"ACGTACG", b"ACG"], k=5)


def test_class_separation_high_on_clusters_and_chance_on_shuffled_labels():
    x, labels = _blobs()
    noise = np.random.default_rng(1).normal(size=x.shape)
    table = embed.class_separation({"clusters": x, "noise": noise}, labels, folds=4, repeats=2)
    assert list(table["representation"]) == ["clusters", "noise"]
    clusters, noisy = table.iloc[0], table.iloc[1]
    assert clusters["knn_accuracy_mean"] > 0.95 and clusters["silhouette"] > 0.5
    assert clusters["majority_rate"] == pytest.approx(1 / 3)
    assert abs(clusters["shuffled_accuracy"] - 1 / 3) < 0.15 and abs(noisy["knn_accuracy_mean"] - 1 / 3) < 0.15
    assert noisy["silhouette"] < 0.1
    shuffled = embed.knn_accuracy(x, np.random.default_rng(2).permutation(labels), folds=4)
    assert abs(shuffled["knn_accuracy_mean"] - 1 / 3) < 0.15
    with_other = np.concatenate([labels, ["other"] * 3])
    assert embed.class_separation({"x": np.vstack([x, x[:3]])}, with_other)["genes"].iloc[0] == len(x)


def test_class_separation_errors_name_what_was_expected():
    x, labels = _blobs(n_per=6)
    with pytest.raises(ValueError, match="one row per label"):
        embed.class_separation({"x": x[:-1]}, labels)
    few = labels.copy()
    few[:4] = "rare"
    with pytest.raises(ValueError, match="at least folds=5 genes.*'rare': 4"):
        embed.knn_accuracy(x, few, folds=5)
    with pytest.raises(ValueError, match="at least 2 classes"):
        embed.knn_accuracy(x, np.full(len(x), "one"))


def test_embed_genes_end_to_end_with_extra_rows_and_gene_map():
    rng = np.random.default_rng(0)
    genes = [rng.integers(0, 4, n).astype(np.uint8) for n in rng.integers(30, 80, 12)]
    extra = {"random": [rng.integers(0, 4, 40).astype(np.uint8) for _ in range(3)]}
    result = embed.embed_genes(_tiny_lm(seq_len=20), genes, extra=extra, n_fit=200, pca_dims=4, n_components=5,
                               n_jobs=1)
    assert result.occupancy.shape == (12, 5) and result.extra_occupancy["random"].shape == (3, 5)
    np.testing.assert_allclose(result.occupancy.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(result.extra_occupancy["random"].sum(axis=1), 1.0, atol=1e-5)
    assert result.extra_coords["random"].shape == (120, 2)
    assert result.gene_coords(1).shape == (len(genes[1]), 2)
    assert {"hidden_states", "tsne_fit", "tsne_transform", "mixture_fit", "occupancy", "extra"} <= set(result.seconds)
    gene_xy = embed.gene_map(result.occupancy, perplexity=3)
    assert gene_xy.shape == (12, 2)
    np.testing.assert_array_equal(gene_xy, embed.gene_map(result.occupancy, perplexity=3))


def test_figures_are_returned_with_one_panel_per_representation():
    import matplotlib.pyplot as plt

    from genomenb.plots import embedding as plots

    x, labels = _blobs(n_per=8)
    rng = np.random.default_rng(0)
    coords = rng.normal(size=(200, 2)).astype(np.float32)
    mixture = embed.fit_mixture(coords, 3)
    occ = rng.dirichlet(np.ones(3), size=len(labels)).astype(np.float32)
    figures = [plots.plot_gene_on_mixture(coords, coords[:30], mixture, gene="ddlA", grid=20),
               plots.plot_occupancy_heatmap(occ, labels, extra={"random": occ[:2]}),
               plots.plot_gene_maps({"a": x[:, :2], "b": x[:, 2:4]}, labels),
               plots.plot_class_separation(embed.class_separation({"a": x, "b": x[:, :1]}, labels, folds=3))]
    assert all(isinstance(f, plt.Figure) for f in figures)
    assert len([a for a in figures[2].axes if a.get_title()]) == 2
    assert "random (2)" in [t.get_text() for t in figures[1].axes[0].get_yticklabels()]
    with pytest.raises(ValueError, match="3 components"):
        plots.plot_occupancy_heatmap(occ, labels, extra={"random": occ[:2, :2]})
    plt.close("all")
