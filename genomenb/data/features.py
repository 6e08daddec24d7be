"""The 919 DeepSEA chromatin features: cell type, target, treatment, kind, published scores.

DeepSEA predicts 919 binary labels per 1000-bp sequence, in a fixed order:
125 DNase I hypersensitivity profiles (indices 0-124), 690 transcription-factor
ChIP-seq profiles (125-814) and 104 histone-mark profiles (815-918). The table
bundled as ``deepsea_features`` (``data/deepsea/deepsea_features.tsv``) names
each one and carries, as reference columns, the published per-feature test
AUROC and AUPRC of DeepSEA and DanQ and each feature's positive fraction in
the DeepSEA test set (chromosomes 8 and 9). Those numbers come from the
papers, on the real data; the book prints them beside its own numbers and
never mixes them up.

:func:`load_features` reads and checks the table and adds ``cell_group``, a
normalised cell-type key that joins spellings of one cell type across kinds
(``Monocytes-CD14+_RO01746`` for DNase and ``Monocytes-CD14+RO01746`` for
histone marks). :func:`export_features_xlsx` and :func:`read_features_xlsx`
write and read the same table as an Excel workbook (``openpyxl``), the format
the interpretation study used for its feature annotations.

Handling: the text ``None`` in ``treatment`` is a value ("no treatment"), not
a missing value; ``NA`` or an empty cell in a score column is missing (NaN).
Anything else malformed raises :class:`~genomenb.data.errors.DataError`
naming the file, the line (or sheet row) and what was expected.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from genomenb.data import registry
from genomenb.data.errors import DataError

__all__ = [
    "FEATURE_COLUMNS",
    "SCORE_COLUMNS",
    "KINDS",
    "N_FEATURES",
    "load_features",
    "validate_features",
    "cell_group",
    "summarize_by_kind",
    "PUBLISHED_AUROC",
    "published_medians",
    "export_features_xlsx",
    "read_features_xlsx",
]

N_FEATURES = 919
KINDS = ("DNase", "TF", "Histone")
#: Columns of the bundled table, in order.
FEATURE_COLUMNS = (
    "index", "cell_type", "target", "treatment", "kind", "deepsea_feature_name", "file_accession",
    "data_source", "deepsea_test_auroc", "deepsea_test_auprc", "test_positive_fraction",
    "danq_test_auroc", "danq_test_auprc", "note",
)
#: Published reference numbers (real DeepSEA data), one per feature.
SCORE_COLUMNS = ("deepsea_test_auroc", "deepsea_test_auprc", "test_positive_fraction",
                 "danq_test_auroc", "danq_test_auprc")
_TEXT_COLUMNS = tuple(c for c in FEATURE_COLUMNS if c not in SCORE_COLUMNS and c != "index")
_MISSING = {"", "NA", "NaN", "nan"}
_SHEET = "features"
_COLUMN_HELP = {
    "index": "0-based position of the feature in DeepSEA's 919-long output vector",
    "cell_type": "cell line, primary cell or tissue profiled",
    "target": "DNase, the ChIP-seq target protein (as ENCODE named it) or the histone mark",
    "treatment": "treatment of the cells before the experiment ('None' = untreated)",
    "kind": "DNase, TF or Histone",
    "deepsea_feature_name": "the name string in DeepSEA's own feature list",
    "file_accession": "peak file DeepSEA derived the labels from",
    "data_source": "ENCODE or Roadmap Epigenomics",
    "deepsea_test_auroc": "published: DeepSEA test AUROC (real data, chr8 + chr9)",
    "deepsea_test_auprc": "published: DeepSEA test AUPRC",
    "test_positive_fraction": "published: fraction of DeepSEA test sequences labelled 1",
    "danq_test_auroc": "published: DanQ test AUROC on the same test set",
    "danq_test_auprc": "published: DanQ test AUPRC",
    "note": "provenance remarks",
}


def cell_group(cell_type: str) -> str:
    """Normalised cell-type key: lower case, letters and digits only.

    Examples
    --------
    >>> cell_group("Monocytes-CD14+_RO01746") == cell_group("Monocytes-CD14+RO01746")
    True
    """
    key = re.sub(r"[^0-9a-z]", "", cell_type.lower())
    return {"osteobl": "osteoblasts"}.get(key, key)  # DNase abbreviates the histone rows' name


def validate_features(table: pd.DataFrame, path: str | os.PathLike | None = None, *,
                      first_row: int = 2, row_label: str = "line") -> pd.DataFrame:
    """Check a feature table and return it with clean dtypes and a ``cell_group`` column.

    Parameters
    ----------
    table : pandas.DataFrame
        Raw table with (at least) :data:`FEATURE_COLUMNS`, all as read from text.
    path : path-like, optional
        File named in error messages.
    first_row : int, default 2
        File line (or sheet row) of the table's first data row, for messages.
    row_label : str, default "line"
        ``"line"`` for text files; for sheets the row is reported as a record.

    Raises
    ------
    DataError
        Missing columns, a wrong number of rows, indices out of order, an
        unknown kind, a kind block out of place, or a non-numeric score.
    """
    def where(i: int) -> dict:
        row = first_row + i
        return {"line": row} if row_label == "line" else {"record": f"{row_label} {row}"}

    missing = [c for c in FEATURE_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(path, f"missing columns {missing}; expected the columns {list(FEATURE_COLUMNS)}")
    if len(table) != N_FEATURES:
        raise DataError(path, f"{len(table)} feature rows; expected {N_FEATURES} (one per DeepSEA output)")
    out = pd.DataFrame(index=pd.RangeIndex(N_FEATURES))
    for i, raw in enumerate(table["index"].tolist()):
        text = str(raw).strip()
        if text.endswith(".0"):  # spreadsheets store integers as floats
            text = text[:-2]
        if text != str(i):
            raise DataError(path, f"index {raw!r}; expected {i} (rows in DeepSEA output order)", **where(i))
    out["index"] = np.arange(N_FEATURES, dtype=np.int64)
    for col in _TEXT_COLUMNS:
        values = ["" if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v).strip()
                  for v in table[col].tolist()]
        out[col] = pd.Series(values, dtype=object)
    for i, kind in enumerate(out["kind"]):
        if kind not in KINDS:
            raise DataError(path, f"kind {kind!r}; expected one of {', '.join(KINDS)}", **where(i))
    order = [KINDS.index(k) for k in out["kind"]]
    bad = next((i for i in range(1, N_FEATURES) if order[i] < order[i - 1]), None)
    if bad is not None:
        raise DataError(path, "kinds out of DeepSEA order; expected all DNase rows, then TF, then Histone",
                        **where(bad))
    for col in SCORE_COLUMNS:
        numbers = np.empty(N_FEATURES, dtype=np.float64)
        for i, raw in enumerate(table[col].tolist()):
            if isinstance(raw, (int, float, np.integer, np.floating)) and not isinstance(raw, bool):
                numbers[i] = float(raw)
                continue
            text = "" if raw is None else str(raw).strip()
            if text in _MISSING:
                numbers[i] = np.nan
                continue
            try:
                numbers[i] = float(text)
            except ValueError:
                raise DataError(path, f"{col} {text!r} is not a number; expected a number, 'NA' or empty",
                                **where(i)) from None
        finite = numbers[np.isfinite(numbers)]
        if finite.size and (finite.min() < 0 or finite.max() > 1):
            i = int(np.flatnonzero(np.isfinite(numbers) & ((numbers < 0) | (numbers > 1)))[0])
            raise DataError(path, f"{col} {numbers[i]} is outside [0, 1]; expected a rate or an area "
                            "under a curve", **where(i))
        out[col] = numbers
    out = out[list(FEATURE_COLUMNS)]
    out["cell_group"] = [cell_group(c) for c in out["cell_type"]]
    return out


def load_features(source: str | os.PathLike = "deepsea_features") -> pd.DataFrame:
    """The 919 DeepSEA features, checked, in output order.

    Parameters
    ----------
    source : str or path-like, default "deepsea_features"
        A registered dataset name (checksum verified) or the path of a TSV
        file with :data:`FEATURE_COLUMNS`, or an ``.xlsx`` workbook written by
        :func:`export_features_xlsx`.

    Returns
    -------
    pandas.DataFrame
        919 rows: :data:`FEATURE_COLUMNS` plus ``cell_group``. Score columns
        are ``float64`` with NaN where the papers give no number.
    """
    if isinstance(source, str) and source in {d.name for d in registry.datasets()}:
        path = registry.path(source)
    else:
        path = Path(source)
    if not path.is_file():
        raise DataError(path, "file not found; expected the DeepSEA feature table (TSV or .xlsx)")
    if path.suffix.lower() == ".xlsx":
        return read_features_xlsx(path)
    try:
        raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(path, f"could not parse as tab-separated text ({exc}); expected a TSV table") from None
    return validate_features(raw, path)


def summarize_by_kind(table: pd.DataFrame, column: str = "test_positive_fraction",
                      min_fraction: float = 0.01) -> pd.DataFrame:
    """Features per kind, how many have at least ``min_fraction`` positives, and the median.

    Parameters
    ----------
    table : pandas.DataFrame
        A feature table (or any frame with ``kind`` and ``column``).
    column : str
        A per-feature positive fraction.
    min_fraction : float, default 0.01
        The paper's cut-off for tasks with enough positives.

    Returns
    -------
    pandas.DataFrame
        Index ``DNase, TF, Histone, all``; columns ``features``,
        ``at_least_min``, ``median``.
    """
    rows = {}
    for kind in (*KINDS, "all"):
        part = table if kind == "all" else table[table["kind"] == kind]
        values = part[column].to_numpy(dtype=np.float64)
        rows[kind] = {"features": len(part), "at_least_min": int(np.sum(values >= min_fraction)),
                      "median": float(np.nanmedian(values)) if len(values) else np.nan}
    return pd.DataFrame.from_dict(rows, orient="index")


#: The published per-feature test AUROCs of the feature table, by the label the chapters print.
PUBLISHED_AUROC = {"DeepSEA, published (real data)": "deepsea_test_auroc",
                   "DanQ, published (real data)": "danq_test_auroc"}


def published_medians(table: pd.DataFrame, columns: Mapping[str, str] | None = None, *,
                      overall: bool = False) -> dict[str, dict[str, float]]:
    """Median of published per-feature scores within each kind of feature, e.g. DeepSEA's test AUROC.

    These are numbers from the papers, on the real test set; the chapters draw
    them as reference markers beside their own per-kind medians.

    Parameters
    ----------
    table : pandas.DataFrame
        The feature table (:func:`load_features`).
    columns : mapping of str to str, optional
        Printed name -> score column (default :data:`PUBLISHED_AUROC`).
    overall : bool, default False
        Add an ``all`` entry, the median over every feature.

    Returns
    -------
    dict
        Printed name -> {kind -> median, NaN skipped}, kinds ``DNase, TF, Histone`` (and ``all``).
    """
    kinds = table["kind"].to_numpy()
    out = {}
    for name, column in (PUBLISHED_AUROC if columns is None else columns).items():
        out[name] = {k: float(np.nanmedian(table.loc[kinds == k, column])) for k in KINDS}
        if overall:
            out[name]["all"] = float(np.nanmedian(table[column]))
    return out


# --------------------------------------------------------------------------- Excel


def export_features_xlsx(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write the feature table to an Excel workbook.

    Sheet ``features`` holds :data:`FEATURE_COLUMNS` (header frozen, filters
    on); sheet ``columns`` explains each column and marks the published ones.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from genomenb.tables import write_table_xlsx

    missing = [c for c in FEATURE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"the table lacks columns {missing}")
    return write_table_xlsx(path, table[list(FEATURE_COLUMNS)], sheet=_SHEET, notes_sheet="columns",
                            notes_header=("column", "meaning"),
                            notes={col: _COLUMN_HELP[col] for col in FEATURE_COLUMNS},
                            widths=(6, 24, 16, 18, 8, 34, 40, 12, 10, 10, 10, 10, 10, 30), notes_width=70)


def read_features_xlsx(path: str | os.PathLike) -> pd.DataFrame:
    """Read a workbook written by :func:`export_features_xlsx` (sheet ``features``) and check it.

    Raises
    ------
    DataError
        Not an xlsx file, no ``features`` sheet, or a malformed table (the
        message names the sheet row).
    """
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found; expected an .xlsx workbook")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise DataError(path, f"not a readable .xlsx workbook ({exc}); expected an Excel file") from None
    try:
        if _SHEET not in wb.sheetnames:
            raise DataError(path, f"no sheet {_SHEET!r} (found {wb.sheetnames}); expected the sheet "
                            "written by export_features_xlsx")
        rows = list(wb[_SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        raise DataError(path, f"sheet {_SHEET!r} is empty; expected a header row and {N_FEATURES} rows")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    body = [r for r in rows[1:] if any(v is not None and str(v).strip() for v in r)]
    raw = pd.DataFrame(body, columns=header) if body else pd.DataFrame(columns=header)
    return validate_features(raw, path, first_row=2, row_label=f"sheet {_SHEET!r} row")
