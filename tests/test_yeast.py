"""The yeast data layer: expression bundle, regulator features, classes, splits, motifs and the TF prior."""

import gzip
from dataclasses import replace

import numpy as np
import pytest

from genomenb.data import DataError, registry
from genomenb.data import yeast as y


@pytest.fixture(scope="module")
def data():
    return y.load_yeast()


@pytest.fixture(scope="module")
def bundle():
    with np.load(registry.path("yeast", "bundle"), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def test_every_yeast_file_is_registered_and_intact():
    roles = [f.role for f in registry.get("yeast").files]
    assert roles == ["bundle", "genes", "prior", "jaspar", "cisbp", "yeastract"]
    assert all(registry.path("yeast", r).is_file() for r in roles)


def test_load_yeast_shapes_codes_and_missing_values(data):
    assert data.promoters.shape == (2553, 1000) and data.promoters.dtype == np.uint8
    assert data.expression.shape == (2553, 173) and data.expression.dtype == np.float32
    assert data.regulators.shape == (472, 173) and data.regulators.dtype == np.int8
    assert data.conditions.shape == (173,) and data.regulator_names.shape == (472,)
    assert data.promoters.max() <= 3  # no N in this subset
    assert data.conditions[0] == "Heat Shock 05 minutes hs-1"
    # missing values stay missing: 2.91% NaN, nothing imputed
    assert np.isnan(data.expression).mean() == pytest.approx(0.0291, abs=5e-4)
    assert {int(v): int(n) for v, n in zip(*np.unique(data.regulators, return_counts=True), strict=True)} == {
        -1: 850, 0: 77261, 1: 3545}
    names = dict(zip(data.genes, data.gene_names, strict=True))
    assert names["YAL062W"] == "GDH3"
    with pytest.raises(ValueError):
        data.expression[0, 0] = 1.0  # read-only


def test_promoter_codes_match_the_text(data, bundle):
    text = str(bundle["promoters"][5])
    assert "".join("ACGTN"[c] for c in data.promoters[5]) == text


@pytest.mark.parametrize("change, message", [
    (lambda b: b.pop("reg_discrete"), "missing"),
    (lambda b: b.update(expr=b["expr"][:, :-1]), "genes x conditions"),
    (lambda b: b.update(reg_discrete=b["reg_discrete"] * 2), "-1, 0, \\+1"),
    (lambda b: b.update(promoters=np.array(["X" + p[1:] for p in b["promoters"]])), "only A, C, G, T, N"),
    (lambda b: b.update(promoters=np.array([p[:999] for p in b["promoters"]])), "1000 bases"),
    (lambda b: b.update(genes=np.array(["YAL062W"] * len(b["genes"]))), "unique gene names"),
])
def test_malformed_bundle_raises_data_error_naming_the_file(tmp_path, bundle, change, message):
    broken = dict(bundle)
    change(broken)
    file = tmp_path / "broken.npz"
    np.savez(file, **broken)
    with pytest.raises(DataError, match=f"broken.npz.*{message}"):
        y.load_yeast(file)


def test_a_file_that_is_not_an_npz_raises_data_error(tmp_path):
    file = tmp_path / "text.npz"
    file.write_text("genes\tpromoters\n")
    with pytest.raises(DataError, match="text.npz.*npz archive"):
        y.load_yeast(file)
    with pytest.raises(DataError, match="file not found"):
        y.load_yeast(tmp_path / "absent.npz")


def test_regulator_matrix_discrete_and_continuous(data):
    disc = y.regulator_matrix(data, "discrete")
    assert disc.values.shape == (173, 472) and disc.values.dtype == np.float32 and disc.n_filled == 0
    assert np.array_equal(disc.values, data.regulators.T)
    cont = y.regulator_matrix(data, "continuous")
    assert cont.values.shape == (173, 222) and not np.isnan(cont.values).any()
    rows = [list(data.genes).index(n) for n in cont.names]
    assert cont.n_filled == int(np.isnan(data.expression[rows]).sum()) > 0
    assert str(cont.n_filled) in cont.summary
    # the columns are aligned: the Gasch sign agrees with nonzero MEDUSA values (96% per SOURCES.md)
    medusa = disc.values[:, [list(data.regulator_names).index(n) for n in cont.names]]
    nonzero = (medusa != 0) & (cont.values != 0)
    assert (np.sign(cont.values[nonzero]) == medusa[nonzero]).mean() > 0.95
    with pytest.raises(ValueError, match="discrete"):
        y.regulator_matrix(data, "binary")


def test_expression_classes_by_hand():
    x = np.array([[-0.6, -0.5, -0.49, 0.0], [0.49, 0.5, 0.7, np.nan]], dtype=np.float32)
    assert y.expression_classes(x).tolist() == [[0, 0, 1, 1], [1, 2, 2, -1]]
    assert y.expression_classes(x, inclusive=False).tolist() == [[0, 1, 1, 1], [1, 1, 2, -1]]
    assert y.expression_classes(x).dtype == np.int8
    with pytest.raises(ValueError, match="positive"):
        y.expression_classes(x, threshold=0)


def test_class_balance_on_the_data(data):
    half = y.class_balance(y.expression_classes(data.expression, 0.5))
    assert [round(half[k], 3) for k in ("down", "baseline", "up")] == [0.188, 0.626, 0.185]
    assert half["missing"] == pytest.approx(0.0291, abs=5e-4)
    one = y.class_balance(y.expression_classes(data.expression, 1.0))
    assert [round(one[k], 3) for k in ("down", "baseline", "up")] == [0.078, 0.847, 0.075]
    with pytest.raises(ValueError, match="-1, 0, 1, 2"):
        y.class_balance(np.array([3]))


@pytest.mark.parametrize("kind", ["genes", "conditions", "pairs"])
def test_pair_split_partitions_the_real_matrix(kind):
    split = y.pair_split(kind, 2553, 173, (0.6, 0.1, 0.3), seed=0)
    y.check_pair_split(split)
    assert split.train.shape == (2553, 173)
    for side, want in zip(("train", "valid", "test"), (0.6, 0.1, 0.3), strict=True):
        assert abs(split.fractions[side] - want) < 0.01
    again = y.pair_split(kind, 2553, 173, seed=0)
    other = y.pair_split(kind, 2553, 173, seed=1)
    assert np.array_equal(again.test, split.test) and not np.array_equal(other.test, split.test)
    if kind == "genes":
        assert split.columns is None
        assert np.array_equal(np.flatnonzero(split.test.all(axis=1)), split.rows["test"])
        assert sum(len(v) for v in split.rows.values()) == 2553
    elif kind == "conditions":
        assert split.rows is None
        assert np.array_equal(np.flatnonzero(split.valid.all(axis=0)), split.columns["valid"])
        assert sum(len(v) for v in split.columns.values()) == 173
    else:
        assert split.rows is None and split.columns is None
        assert split.test.any(axis=1).all()  # single cells: every gene is on the test side somewhere


def test_check_pair_split_catches_leaks():
    split = y.pair_split("genes", 50, 20, seed=0)
    overlap = split.train.copy()
    overlap[split.rows["test"][0], 0] = True
    with pytest.raises(ValueError, match="overlap"):
        y.check_pair_split(replace(split, train=overlap))
    hole = split.test.copy()
    hole[split.rows["test"][0], 0] = False
    with pytest.raises(ValueError, match="cover"):
        y.check_pair_split(replace(split, test=hole))
    g = split.rows["test"][0]  # one cell of a test gene moved to train: a gene on two sides
    train, test = split.train.copy(), split.test.copy()
    train[g, 3], test[g, 3] = True, False
    with pytest.raises(ValueError, match=f"gene {g} has cells on two sides"):
        y.check_pair_split(replace(split, train=train, test=test))
    cond = y.pair_split("conditions", 50, 20, seed=0)
    c = cond.columns["valid"][0]
    valid, test = cond.valid.copy(), cond.test.copy()
    valid[0, c], test[0, c] = False, True
    with pytest.raises(ValueError, match=f"condition {c} has cells on two sides"):
        y.check_pair_split(replace(cond, valid=valid, test=test))
    with pytest.raises(ValueError, match="kind"):
        y.pair_split("rows", 50, 20)
    with pytest.raises(ValueError, match="too few"):
        y.pair_split("conditions", 50, 2)


def test_motif_databases_counts_and_names():
    counts = {db: len(y.yeast_motifs(db)) for db in y.DATABASES}
    assert counts == {"jaspar": 178, "cisbp": 1288, "yeastract": 732}
    everything = y.yeast_motifs("all")
    assert len(everything) == 2198 and len({m.matrix_id for m in everything}) == 2198
    for m in everything[::97]:
        assert np.allclose(m.probs.sum(axis=1), 1.0) and (m.probs > 0).all()
    arg80 = y.yeast_motifs("jaspar")[0]
    assert (arg80.name, arg80.matrix_id, arg80.consensus) == ("ARG80", "jaspar:MA0271.1", "AGACGC")
    yeastract = {m.name for m in y.yeast_motifs("yeastract")}
    assert "MIG1" in yeastract and "Mig1p" not in yeastract
    assert {"MIG1", "MSN2"} <= {m.name for m in y.yeast_motifs("cisbp")}
    with pytest.raises(ValueError, match="jaspar"):
        y.yeast_motifs("transfac")


def test_read_transfac_formats_and_errors(tmp_path):
    good = tmp_path / "two.tf.gz"
    with gzip.open(good, "wt") as fh:
        fh.write("AC  X1\nXX\nID  Mig1p\nXX\nP0      A     C     G     T\n1  100 0 0 0\n2  0 0 0 100\nXX\n//\n"
                 "AC MA1.1\nID ABC\nPO\tT\tG\tC\tA\n01\t3.0\t1.0\t0.0\t0.0\n//\n")
    first, second = y.read_transfac(good)
    assert (first.name, first.matrix_id, first.consensus) == ("Mig1p", "X1", "AT")
    assert second.consensus == "T" and second.probs[0, 3] > second.probs[0, 2] > second.probs[0, 1]
    bad_header = tmp_path / "bad_header.tf"
    bad_header.write_text("AC X\nID X\nP0 A C G U\n1 1 1 1 1\n//\n")
    with pytest.raises(DataError, match="bad_header.tf, line 3.*A C G T"):
        y.read_transfac(bad_header)
    bad_row = tmp_path / "bad_row.tf"
    bad_row.write_text("AC X\nID X\nP0 A C G T\n1 1 1 1\n//\n")
    with pytest.raises(DataError, match="bad_row.tf, line 4.*four non-negative"):
        y.read_transfac(bad_row)
    no_matrix = tmp_path / "no_matrix.tf"
    no_matrix.write_text("AC X\nID X\n//\n")
    with pytest.raises(DataError, match="P0 matrix"):
        y.read_transfac(no_matrix)


def test_tf_names_map_common_yeastract_and_systematic_names():
    mig1 = y.TFName("YGL035C", "MIG1")
    assert y.tf_names("MIG1") == y.tf_names("Mig1p") == y.tf_names("mig1") == y.tf_names("YGL035C") == mig1
    assert y.tf_names("MBP1::SWI6") == (None, None)
    assert y.tf_names("M00178_2.00") == (None, None)
    assert y.tf_names("YNR063W").systematic == "YNR063W"


def test_motif_prior_and_targets(data):
    prior = y.motif_prior()
    assert prior.shape == (34128, 2) and prior["tf"].nunique() == 53
    assert set(prior["tf"]) <= set(data.regulator_names)
    # MIG1 has motifs in all three databases but is not one of the prior's 53 TFs
    assert not y.in_prior("MIG1") and not y.prior_targets("Mig1p", data.genes).any()
    assert y.in_prior("GCN4") and y.in_prior("Gcn4p") and y.in_prior("YEL009C")
    gcn4 = y.prior_targets("GCN4", data.genes)
    assert gcn4.shape == (2553,) and gcn4.dtype == bool
    assert gcn4.sum() == np.isin(data.genes, prior.loc[prior["tf"] == "YEL009C", "target"]).sum()
    assert 500 < gcn4.sum() < 1500
    assert y.prior_targets("MSN4", data.genes).sum() > 100


def test_prior_tfs_with_a_motif_by_name():
    found = {db: y.prior_motifs(db) for db in (*y.DATABASES, "all")}
    assert {db: len(v) for db, v in found.items()} == {"jaspar": 48, "cisbp": 50, "yeastract": 47, "all": 50}
    assert all(y.tf_names(m.name).systematic == tf for tf, ms in found["all"].items() for m in ms)
    assert "YEL009C" in found["jaspar"]  # GCN4
