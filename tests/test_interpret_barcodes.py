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
