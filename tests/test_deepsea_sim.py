"""DeepSEA-sim: deterministic, in DeepSEA's format, calibrated rates, planted ground truth that matches the files."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

from genomenb.data import deepsea as ds
from genomenb.data import deepsea_sim as sim
from genomenb.data.deepsea_sim import config, generate
from genomenb.data.features import load_features
from genomenb.data.motifs import MotifScanner, normalize_target, target_motif

SMALL = sim.SimConfig(n_train=900, n_valid=150, n_test=300, seed=5)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return sim.generate_bundle(SMALL, tmp_path_factory.mktemp("sim") / "bundle")


def test_same_seed_gives_identical_files(bundle, tmp_path):
    again = sim.generate_bundle(SMALL, tmp_path / "again")
    for name in ("train.mat", "valid.mat", "test.mat", "ground_truth.h5"):
        assert _digest(bundle / name) == _digest(again / name), name


def test_another_seed_gives_other_data(bundle, tmp_path):
    other = sim.generate_bundle(sim.SimConfig(n_train=900, n_valid=150, n_test=300, seed=6), tmp_path / "other")
    assert _digest(bundle / "train.mat") != _digest(other / "train.mat")


def test_files_are_in_deepsea_format(bundle):
    for split, n, fmt in (("train", 900, "hdf5"), ("valid", 150, "mat5"), ("test", 300, "mat5")):
        with ds.open_split(bundle / ds.FILE_NAMES[split], split) as reader:
            assert (reader.format, reader.n, reader.window, reader.n_labels) == (fmt, n, 1000, 919)
            codes, labels = reader.read()
        assert (codes < 4).all(), "windows must be free of N"
        assert set(np.unique(labels)) <= {0, 1}
    assert (bundle / "train.mat").read_bytes()[:10] == b"MATLAB 7.3"
    assert b"SIMULATED" in (bundle / "train.mat").read_bytes()[:128]
    assert "SIMULATED" in (bundle / "README.txt").read_text()


def test_splits_come_from_disjoint_regions(bundle):
    truth = sim.read_ground_truth(bundle)
    spans = {s: truth.array(s, "window_start") for s in ds.SPLITS}
    assert all(np.all(np.diff(v) >= 200) for v in spans.values())  # distinct 200-bp bins, chromosome order
    for a in ds.SPLITS:
        for b in ds.SPLITS:
            if a < b:  # no window of one split overlaps a window of another
                starts_a, starts_b = np.sort(spans[a]), np.sort(spans[b])
                j = np.searchsorted(starts_b, starts_a)
                for k in (j - 1, j):
                    ok = (k >= 0) & (k < starts_b.size)
                    assert np.all(np.abs(starts_b[k[ok]] - starts_a[ok]) >= 1000)


def test_planted_sites_are_in_the_files_and_in_the_middle(bundle):
    truth = sim.read_ground_truth(bundle)
    sites = truth.sites("train")
    planted = sites[sites.planted]
    assert len(planted) > 900  # about 1.8 sites per window
    width = SMALL.signal_width
    assert planted.start_in_signal.min() >= 0 and (planted.start_in_signal + planted.width).max() <= width
    assert (planted.start_in_window == planted.start_in_signal + 450).all()
    assert (truth.sites("train", crop=200).start_in_crop == sites.start_in_signal + 50).all()
    assert (sites.start_in_crop == sites.start_in_signal).all()  # default crop = the signal window
    with ds.open_split(bundle / "train.mat", "train") as reader:
        codes, _ = reader.read()
    scanner = MotifScanner(truth.grammar.motifs)
    for site in planted.sample(200, random_state=0).itertuples():
        segment = codes[site.row, site.start_in_window:site.start_in_window + site.width]
        motif = truth.grammar.motifs[site.motif]
        oriented = segment if site.strand == 1 else 3 - segment[::-1]
        score = motif.log_odds[np.arange(motif.width), oriented].sum()
        assert score == pytest.approx(site.score, abs=1e-3)
    # genuine matches are real DNA scanned with the same PWMs
    genuine = sites[~sites.planted].head(50)
    best, start, _ = scanner.scan(codes[genuine.row.to_numpy(), 450:550])
    np.testing.assert_allclose(best[np.arange(len(genuine)), genuine.motif.to_numpy()], genuine.score, atol=1e-3)


def test_rates_are_calibrated_to_deepsea(bundle):
    """The expected positive rate over all generated windows equals the DeepSEA rate of each feature."""
    truth = sim.read_ground_truth(bundle)
    target = load_features()["test_positive_fraction"].to_numpy()
    expected = np.zeros(919)
    total = 0
    for split in ds.SPLITS:
        logit = truth.logits(split)
        with np.errstate(over="ignore"):
            expected += (1 / (1 + np.exp(-logit))).sum(axis=0)
        total += logit.shape[0]
    expected /= total
    ok = target > 0
    np.testing.assert_allclose(expected[ok], target[ok], rtol=2e-3)
    observed = truth.array("train", "prevalence")
    assert np.corrcoef(np.log(observed[target > 0.01] + 1e-4), np.log(target[target > 0.01]))[0, 1] > 0.8
    assert observed[target == 0].max() == 0


def test_tf_labels_follow_their_motif(bundle):
    """Windows carrying a strong CTCF site are far more often CTCF-positive."""
    truth = sim.read_ground_truth(bundle)
    features = load_features()
    ctcf = np.flatnonzero((features["target"] == "CTCF").to_numpy())
    m = truth.grammar.feature_motif[ctcf[0]]
    assert truth.motif_names[m] == "CTCF"
    with ds.open_split(bundle / "train.mat", "train") as reader:
        _, labels = reader.read()
    strong = truth.array("train", "site_strength")[:, m] >= 1
    rate_with = labels[strong][:, ctcf].mean()
    rate_without = labels[~strong][:, ctcf].mean()
    assert rate_with > 5 * rate_without


def test_target_names_map_to_jaspar():
    assert [normalize_target(t) for t in ("c-Myc", "GATA-1", "NRSF", "eGFP-JunD", "AP-2alpha", "Pol2-4H8")] == \
        ["MYC", "GATA1", "REST", "JUND", "TFAP2A", "POLR2A"]
    assert target_motif("NRSF").motif.name == "REST"
    assert target_motif("Rad21").how == "partner CTCF"
    assert target_motif("TAL1").how == "dimer"
    assert target_motif("Pol2").motif is None


def test_grammar_covers_every_feature():
    grammar = sim.build_grammar()
    table = grammar.table(load_features())
    assert len(table) == 919
    tf = table[table.kind == "TF"]
    assert (tf.motif != "").mean() > 0.6  # most TF features have a JASPAR motif
    assert set(table[table.kind == "DNase"].role) == {"dnase"}
    k562 = table[table.cell_type == "K562"]
    assert set(k562.lineage) == {"erythroid"} and "GATA1::TAL1" in k562.lineage_motifs.iloc[0]
    assert (grammar.plant_rate > 0).all() and grammar.plant_rate.sum() < 3


def test_ensure_bundle_caches_by_configuration(tmp_path, monkeypatch):
    calls = []
    real = sim.generate_bundle

    def counting(config, out_dir, **kw):
        calls.append(config)
        return real(config, out_dir, **kw)

    monkeypatch.setattr(generate, "generate_bundle", counting)  # where ensure_bundle looks it up
    tiny = sim.SimConfig(n_train=200, n_valid=50, n_test=60, seed=1)
    first = sim.ensure_bundle(tiny, tmp_path)
    second = sim.ensure_bundle(tiny, tmp_path)
    assert first == second and len(calls) == 1 and first.parent.name == "deepsea_sim"
    subset = sim.load_sim_subset(tiny, cache_dir=tmp_path)
    assert subset.source == "deepsea-sim" and "SIMULATED" in subset.description
    assert subset.length == 100 and len(subset.train) == 200


def test_config_is_checked():
    with pytest.raises(ValueError):
        sim.SimConfig(n_train=0)
    with pytest.raises(ValueError):
        sim.SimConfig(signal_width=2000)


def test_cache_key_hashes_every_module_of_the_simulator(monkeypatch):
    read = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or real(self))
    digest = config._source_digest()
    package = Path(sim.__file__).resolve().parent
    modules = sorted(p.name for p in package.glob("*.py"))
    assert {"__init__.py", "config.py", "generate.py", "grammar.py", "ground_truth.py"} <= set(modules)
    assert [p.name for p in read if p.parent == package] == modules  # all of them, sorted by name
    assert {"motifs.py", "deepsea.py", "matlab.py", "encode.py"} <= {p.name for p in read}
    monkeypatch.undo()
    assert config._source_digest() == digest
