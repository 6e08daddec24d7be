"""Feature barcodes and annotation tables: reading a multitask model's outputs feature by feature.

* :func:`binarize` turns probabilities into a 0/1 barcode (one threshold per
  feature or one for all), :func:`barcode_agreement` counts how a barcode
  agrees with the truth, and :func:`grouped_feature_means` averages outputs
  (or labels) over the features of each group (cell type x kind).
* :func:`ranked_features` ranks one sequence's features by predicted
  probability with their cell type, target and treatment, and
  :func:`export_ranked_features_xlsx` writes that table to Excel with the
  shared writer (:func:`genomenb.tables.write_table_xlsx`).

Nothing here runs a model: the inputs are outputs already predicted
(:func:`genomenb.predict.predict`).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from genomenb.tables import write_table_xlsx

__all__ = ["binarize", "barcode_agreement", "grouped_feature_means", "ranked_features",
           "export_ranked_features_xlsx", "agreement_at"]


# --------------------------------------------------------------------------- barcodes


def binarize(probabilities: np.ndarray, thresholds: np.ndarray | float) -> np.ndarray:
    """0/1 barcode of predictions: ``probability >= threshold`` (one threshold per feature or one for all).

    Returns
    -------
    numpy.ndarray
        ``uint8`` of the input's shape.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    t = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), p.shape[-1:])
    return (p >= t).astype(np.uint8)


def barcode_agreement(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Counts of the four outcomes of a 0/1 barcode against the truth, and their micro-averaged F1.

    Returns
    -------
    dict
        ``true_positives``, ``false_positives``, ``false_negatives``,
        ``true_negatives`` (ints), ``f1`` = 2 TP / (2 TP + FP + FN) (NaN when
        nothing is present or predicted) and ``error_rate`` (the fraction of
        cells that disagree).
    """
    y = np.asarray(truth) > 0
    p = np.asarray(predicted) > 0
    if y.shape != p.shape:
        raise ValueError(f"truth {y.shape} and predictions {p.shape} differ in shape")
    tp, fp, fn = int((y & p).sum()), int((~y & p).sum()), int((y & ~p).sum())
    tn = int(y.size - tp - fp - fn)
    denominator = 2 * tp + fp + fn
    return {"true_positives": tp, "false_positives": fp, "false_negatives": fn, "true_negatives": tn,
            "f1": 2 * tp / denominator if denominator else float("nan"),
            "error_rate": (fp + fn) / y.size if y.size else float("nan")}


def agreement_at(agreement: pd.DataFrame, batch: str, epoch: int) -> pd.Series:
    """One row of an agreement table: the barcode scores of ``batch`` after ``epoch``.

    ``agreement`` has one row per batch and epoch, columns ``batch``, ``epoch``
    (1-based) and the scores of :func:`barcode_agreement`. The row keeps each
    column's own type (counts stay integers).

    Raises
    ------
    KeyError
        When the table has no such row.
    """
    row = agreement[(agreement["batch"] == batch) & (agreement["epoch"] == epoch)]
    if row.empty:
        raise KeyError(f"no barcode scores for batch {batch!r} after epoch {epoch}")
    return row.iloc[0]


def grouped_feature_means(values: np.ndarray, features: pd.DataFrame, *, rows: str = "cell_type",
                          columns: str = "kind", keep_rows: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean of ``(N, T)`` values (predictions or labels) over sequences and over the features of each group.

    Parameters
    ----------
    values : numpy.ndarray
        ``(N, T)``, one column per feature in output order.
    features : pandas.DataFrame
        The feature table (columns ``rows`` and ``columns``).
    keep_rows : sequence of str, optional
        Row groups to keep, in this order (default: all, sorted).

    Returns
    -------
    pandas.DataFrame
        ``rows`` x ``columns``; NaN where a group has no feature.
    """
    per_feature = np.asarray(values, dtype=np.float64).mean(axis=0)
    frame = pd.DataFrame({"row": features[rows].to_numpy(), "column": features[columns].to_numpy(),
                          "value": per_feature})
    table = frame.pivot_table(index="row", columns="column", values="value", aggfunc="mean")
    if keep_rows is not None:
        table = table.reindex(list(keep_rows))
    if columns == "kind":
        table = table.reindex(columns=[k for k in ("DNase", "TF", "Histone") if k in table.columns])
    table.index.name, table.columns.name = rows, columns
    return table


# --------------------------------------------------------------------------- one sequence's predicted features


def ranked_features(probabilities: np.ndarray, features: pd.DataFrame, *, labels: np.ndarray | None = None,
                    thresholds: np.ndarray | None = None) -> pd.DataFrame:
    """All features of one sequence ranked by predicted probability, with their annotations.

    Parameters
    ----------
    probabilities : numpy.ndarray
        ``(T,)`` the model's outputs for the sequence.
    features : pandas.DataFrame
        The feature table (:func:`genomenb.data.features.load_features`), in output order.
    labels : numpy.ndarray, optional
        ``(T,)`` 0/1 truth, added as ``label``.
    thresholds : numpy.ndarray, optional
        ``(T,)`` per-feature decision thresholds; adds ``threshold`` and
        ``predicted_present`` (probability >= threshold).

    Returns
    -------
    pandas.DataFrame
        ``rank`` (1 = most probable), ``index`` (the output), ``cell_type``,
        ``target``, ``treatment``, ``kind``, ``probability`` and the optional
        columns; one row per feature.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.shape != (len(features),):
        raise ValueError(f"need one probability per feature ({len(features)}), got shape {p.shape}")
    table = features[["index", "cell_type", "target", "treatment", "kind"]].copy()
    table["probability"] = p
    if labels is not None:
        table["label"] = np.asarray(labels).astype(np.int64)
    if thresholds is not None:
        t = np.asarray(thresholds, dtype=np.float64)
        table["threshold"] = t
        table["predicted_present"] = p >= t
    table = table.sort_values(["probability", "index"], ascending=[False, True], kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)


def export_ranked_features_xlsx(table: pd.DataFrame, path, *, about: Mapping[str, object] | None = None):
    """Write a ranked feature table to an Excel workbook (``openpyxl``).

    Sheet ``ranked_features`` holds the table (header frozen, filters on);
    sheet ``about`` lists ``about`` as key-value rows (data source, model,
    sequence), so the file says where its numbers came from.

    Returns
    -------
    pathlib.Path
    """
    return write_table_xlsx(path, table, sheet="ranked_features", notes_sheet="about",
                            notes_header=("key", "value"), notes=about or {}, notes_width=90)
