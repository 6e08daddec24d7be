"""Feature barcodes, grouped means and the ranked-feature workbook."""

import numpy as np
import pandas as pd
import pytest

from genomenb.interpret import barcodes


def test_ranked_features_and_their_workbook(tmp_path):
    from openpyxl import load_workbook

    from genomenb.data.features import load_features

    features = load_features()
    rng = np.random.default_rng(0)
    probs = rng.random(len(features))
    labels = (rng.random(len(features)) < 0.05).astype(np.uint8)
    table = barcodes.ranked_features(probs, features, labels=labels, thresholds=np.full(len(features), 0.5))
    assert len(table) == 919 and table["rank"].tolist() == list(range(1, 920))
    assert table["probability"].is_monotonic_decreasing
    assert table.loc[0, "index"] == int(probs.argmax())
    assert table["predicted_present"].sum() == (probs >= 0.5).sum()
    path = barcodes.export_ranked_features_xlsx(table, tmp_path / "ranked.xlsx", about={"data source": "test"})
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook["ranked_features"].iter_rows(values_only=True))
    about = list(workbook["about"].iter_rows(values_only=True))
    workbook.close()
    assert len(rows) == 920 and rows[0][:3] == ("rank", "index", "cell_type")
    assert rows[1][1] == int(probs.argmax())
    assert about == [("key", "value"), ("data source", "test")]
    with pytest.raises(ValueError, match="one probability per feature"):
        barcodes.ranked_features(probs[:10], features)


def test_barcodes_and_grouped_means():
    truth = np.array([[1, 0, 1, 0], [0, 0, 1, 1]])
    calls = barcodes.binarize(np.array([[0.9, 0.6, 0.1, 0.2], [0.1, 0.1, 0.8, 0.3]]), [0.5, 0.5, 0.5, 0.25])
    assert calls.tolist() == [[1, 1, 0, 0], [0, 0, 1, 1]]
    agreement = barcodes.barcode_agreement(truth, calls)
    assert (agreement["true_positives"], agreement["false_positives"], agreement["false_negatives"],
            agreement["true_negatives"]) == (3, 1, 1, 3)
    assert agreement["f1"] == pytest.approx(0.75) and agreement["error_rate"] == pytest.approx(0.25)
    assert np.isnan(barcodes.barcode_agreement(np.zeros((2, 2)), np.zeros((2, 2)))["f1"])
    features = pd.DataFrame({"cell_type": ["A", "A", "B", "B"], "kind": ["DNase", "TF", "TF", "TF"]})
    grid = barcodes.grouped_feature_means(np.array([[1.0, 0.0, 0.2, 0.4]]), features, keep_rows=["B", "A"])
    assert grid.index.tolist() == ["B", "A"] and grid.columns.tolist() == ["DNase", "TF"]
    assert grid.loc["B", "TF"] == pytest.approx(0.3) and np.isnan(grid.loc["B", "DNase"])


def _agreement():
    rows = []
    for batch in ("train", "valid"):
        for epoch in (1, 2):
            truth = np.array([[1, 0, 1], [0, 0, 1]])
            predicted = np.array([[1, 1, epoch - 1], [0, 0, 1]])
            rows.append({"epoch": epoch, "batch": batch, **barcodes.barcode_agreement(truth, predicted)})
    return pd.DataFrame(rows)


def test_agreement_at_picks_one_batch_and_epoch():
    agreement = _agreement()
    row = barcodes.agreement_at(agreement, "valid", 2)
    assert row["batch"] == "valid" and row["epoch"] == 2
    assert row["false_positives"] == 1 and row["false_negatives"] == 0
    assert f"{row['true_positives']}" == "3", "counts stay integers"
    assert barcodes.agreement_at(agreement, "train", 1)["false_negatives"] == 1
    with pytest.raises(KeyError, match="epoch 3"):
        barcodes.agreement_at(agreement, "train", 3)


def test_plot_barcode_f1_draws_one_line_per_batch():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from genomenb.plots.barcodes import plot_barcode_f1

    agreement = _agreement()
    fig, ax = plt.subplots()
    assert plot_barcode_f1(ax, agreement) is ax
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["train batch", "valid batch"]
    np.testing.assert_allclose(lines[1].get_ydata(), agreement[agreement["batch"] == "valid"]["f1"])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "F1 of the barcode"
    plt.close(fig)
