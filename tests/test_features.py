"""The 919-feature table: its content, the Excel round trip, and clear errors on malformed tables."""

import numpy as np
import pandas as pd
import pytest

from genomenb.data import DataError
from genomenb.data import features as ft


@pytest.fixture(scope="module")
def table():
    return ft.load_features()


def test_the_bundled_table(table):
    assert len(table) == ft.N_FEATURES
    assert table["index"].tolist() == list(range(919))
    assert table["kind"].value_counts().to_dict() == {"TF": 690, "DNase": 125, "Histone": 104}
    assert (table["kind"].iloc[:125] == "DNase").all() and (table["kind"].iloc[815:] == "Histone").all()
    # 'None' is a treatment ("untreated"), not a missing value
    assert (table["treatment"] == "None").sum() > 700 and table["treatment"].notna().all()
    row = table.iloc[0]
    assert (row.cell_type, row.target, row.kind) == ("8988T", "DNase", "DNase")
    assert row.deepsea_test_auroc == pytest.approx(0.910351)
    assert table.loc[576, "target"] == "SREBP1"  # unnamed in DeepSEA's file, filled from Supp. Table 2
    assert np.isnan(table.loc[598, "deepsea_test_auroc"])  # K562 BRF1: no test positives, no AUROC


def test_498_features_have_at_least_one_percent_positives(table):
    summary = ft.summarize_by_kind(table)
    assert summary.loc["all", "at_least_min"] == 498
    assert summary.loc[["DNase", "TF", "Histone"], "at_least_min"].tolist() == [125, 279, 94]
    assert summary.loc["all", "median"] == pytest.approx(0.011147, abs=1e-6)


def test_cell_group_joins_spellings(table):
    assert ft.cell_group("Monocytes-CD14+_RO01746") == ft.cell_group("Monocytes-CD14+RO01746")
    assert ft.cell_group("Osteobl") == ft.cell_group("Osteoblasts")
    k562 = table[table["cell_group"] == "k562"]
    assert set(k562["kind"]) == {"DNase", "TF", "Histone"}


def test_xlsx_round_trip(table, tmp_path):
    path = ft.export_features_xlsx(table, tmp_path / "features.xlsx")
    back = ft.read_features_xlsx(path)
    pd.testing.assert_frame_equal(back, table)
    assert ft.load_features(path).equals(table)
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["features", "columns"]
    wb.close()


def _tsv(table, path):
    table[[c for c in ft.FEATURE_COLUMNS if c in table.columns]].to_csv(path, sep="\t", index=False, na_rep="NA")
    return path


def test_tsv_round_trip(table, tmp_path):
    pd.testing.assert_frame_equal(ft.load_features(_tsv(table, tmp_path / "f.tsv")), table)


@pytest.mark.parametrize("damage, message", [
    (lambda t: t.drop(columns=["kind"]), "missing columns"),
    (lambda t: t.iloc[:900], "900 feature rows; expected 919"),
    (lambda t: t.assign(kind=t["kind"].where(t.index != 7, "ATAC")), "kind 'ATAC'"),
    (lambda t: t.assign(deepsea_test_auroc=t["deepsea_test_auroc"].astype(object).where(t.index != 12, "high")),
     "'high' is not a number"),
    (lambda t: t.assign(index=t["index"].where(t.index != 3, 4)), "index"),
])
def test_malformed_tables_name_the_line(table, tmp_path, damage, message):
    path = _tsv(damage(table.copy()), tmp_path / "bad.tsv")
    with pytest.raises(DataError, match=message) as info:
        ft.load_features(path)
    assert str(path) in str(info.value)


def test_bad_value_reports_its_line(table, tmp_path):
    bad = table.copy().astype({"test_positive_fraction": object})
    bad.loc[41, "test_positive_fraction"] = "n/a%"
    with pytest.raises(DataError, match="line 43"):  # header is line 1, row 0 is line 2
        ft.load_features(_tsv(bad, tmp_path / "bad.tsv"))


def test_xlsx_errors(table, tmp_path):
    not_xlsx = tmp_path / "fake.xlsx"
    not_xlsx.write_text("hello")
    with pytest.raises(DataError, match="not a readable .xlsx"):
        ft.read_features_xlsx(not_xlsx)
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Sheet1"
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(DataError, match="no sheet 'features'"):
        ft.read_features_xlsx(tmp_path / "other.xlsx")
    bad = table.copy()
    bad.loc[5, "kind"] = "RNA"
    path = ft.export_features_xlsx(bad, tmp_path / "bad.xlsx")
    with pytest.raises(DataError, match="row 7"):
        ft.read_features_xlsx(path)


def test_published_medians_by_kind(table):
    medians = ft.published_medians(table)
    assert list(medians) == list(ft.PUBLISHED_AUROC)
    deepsea = medians["DeepSEA, published (real data)"]
    assert list(deepsea) == ["DNase", "TF", "Histone"]
    tf = table.loc[table["kind"] == "TF", "deepsea_test_auroc"]
    assert deepsea["TF"] == pytest.approx(float(tf.median()))  # NaN (no test positives) skipped
    toy = pd.DataFrame({"kind": ["DNase", "DNase", "TF", "Histone"], "score": [0.6, 0.8, np.nan, 0.9]})
    with pytest.warns(RuntimeWarning):  # no TF score at all: NaN, with NumPy's warning
        out = ft.published_medians(toy, {"toy": "score"}, overall=True)
    assert out["toy"]["DNase"] == pytest.approx(0.7) and np.isnan(out["toy"]["TF"])
    assert out["toy"]["all"] == pytest.approx(0.8)
