"""Filter PWMs, class optimization and Tomtom matching (memelite) against JASPAR and a planted motif."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from interpret_models import (  # noqa: E402
    CONSENSUS,
    MOTIF,
    planted_sequences,
    scanner_model,
    two_input_data,
    two_input_model,
)

from genomenb.data.motifs import Motif, jaspar_motifs  # noqa: E402
from genomenb.encode import one_hot  # noqa: E402
from genomenb.interpret import motifs, optimization  # noqa: E402
from genomenb.models.multitask import build_bigru_multitask  # noqa: E402
from genomenb.predict import predict  # noqa: E402

PLANTED = Motif("planted", "X2.1", MOTIF)


@pytest.fixture(scope="module")
def jaspar():
    return jaspar_motifs()


@pytest.fixture(scope="module")
def collection(jaspar):
    """JASPAR plus the made-up motif: a full background for Tomtom's p-values."""
    return jaspar + [PLANTED]


# --------------------------------------------------------------------------- Tomtom


def test_match_motifs_finds_a_jaspar_matrix_and_its_reverse_complement(jaspar):
    ctcf = next(m for m in jaspar if m.matrix_id.startswith("MA0139"))
    longer = np.full((ctcf.width + 9, 4), 0.25)
    longer[6:6 + ctcf.width] = ctcf.probs
    patterns = [ctcf.probs, motifs.reverse_complement_matrix(ctcf.probs), longer]
    table = motifs.match_motifs(patterns, jaspar, names=["own", "reverse", "longer"], top=5)
    assert table.columns.tolist() == motifs.COLUMNS
    best = table[table["rank"] == 1].set_index("pattern")
    assert (best["matrix_id"] == ctcf.matrix_id).all()
    assert (best["p_value"] < 1e-10).all()
    assert (best["q_value"] < 1e-6).all() and (best["e_value"] == best["p_value"] * len(jaspar)).all()
    assert best.loc["own", "strand"] == 1 and best.loc["reverse", "strand"] == -1
    assert best.loc["own", "offset"] == 0 and best.loc["longer", "offset"] == 6
    assert best.loc["own", "overlap"] == ctcf.width
    assert (table.groupby("pattern")["p_value"].apply(lambda p: p.is_monotonic_increasing)).all()


def test_match_motifs_ranks_the_true_motif_first(collection):
    decoy = Motif("decoy", "X1.1", np.roll(MOTIF, 2, axis=1))
    targets = collection + [decoy]
    table = motifs.match_motifs([MOTIF + 0.01, motifs.reverse_complement_matrix(MOTIF)], targets,
                                names=["query", "rc"], top=2)
    query = table[table["pattern"] == "query"]
    assert query["motif"].tolist()[0] == "planted" and query["p_value"].iloc[0] < 1e-6
    assert query["rank"].tolist() == [1, 2] and (query["p_value"].iloc[0] < query["p_value"].iloc[1])
    rc = table[table["pattern"] == "rc"].iloc[0]
    assert rc["motif"] == "planted" and rc["strand"] == -1 and rc["offset"] == 0
    assert len(motifs.match_motifs([MOTIF], targets, top=None)) == len(targets)
    assert motifs.match_motifs([], targets).empty


def test_motif_window_cuts_the_aligned_part_on_the_motif_strand(collection):
    longer = np.full((MOTIF.shape[0] + 9, 4), 0.25)
    longer[4:4 + MOTIF.shape[0]] = motifs.reverse_complement_matrix(MOTIF)
    window, p_value = motifs.motif_window(longer, PLANTED, collection)
    np.testing.assert_allclose(window, MOTIF)
    assert p_value < 1e-6
    same, _ = motifs.motif_window(MOTIF, PLANTED, collection)
    np.testing.assert_allclose(same, MOTIF)


def test_patterns_are_made_probability_matrices():
    counts = np.array([[3.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 2.0]])
    np.testing.assert_allclose(motifs.to_pwm(counts), [[0.75, 0.25, 0, 0], [0, 0, 0.5, 0.5]])
    signed = motifs.to_pwm(np.array([[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(signed.sum(axis=1), 1.0)
    assert signed[0].argmax() == 0 and np.allclose(signed[1], 0.25)
    with pytest.raises(ValueError, match=r"\(w, 4\)"):
        motifs.to_pwm(np.zeros((3, 5)))


# --------------------------------------------------------------------------- filters and optimized inputs


@pytest.mark.parametrize("padding, kernel_pad", [("valid", 0), ("same", 2), ("same", 1)])
def test_filter_pwm_recovers_the_planted_motif(padding, kernel_pad, collection):
    model = scanner_model(padding=padding, kernel_pad=kernel_pad)
    codes, _ = planted_sequences(40)
    found = motifs.filter_pwms(model, one_hot(codes))
    assert found.layer == "scan" and found.pwms.shape == (2, 8 + kernel_pad, 4)
    assert (found.n_sites >= 20).all()  # half the sites on each strand
    assert (found.pwms[0, :8].argmax(axis=1) == CONSENSUS).all()
    assert (found.pwms[1, :8].argmax(axis=1) == (3 - CONSENSUS)[::-1]).all()
    # TGACTCA is the AP-1 core: JASPAR's sharper MAF/BACH matrices compete with the planted one, so the
    # planted motif's own alignment is checked (and that it is among the best matches)
    table = motifs.match_motifs(list(found.pwms), collection, top=20)
    for f, expected_strand in ((0, 1), (1, -1)):
        p_value, offset, strand = motifs.motif_alignment(found.pwms[f], PLANTED, collection)
        assert p_value < 1e-4 and offset == 0 and strand == expected_strand
        assert "planted" in table.loc[table["pattern"] == str(f), "motif"].tolist()
    assert (found.information_content > 5).all()
    np.testing.assert_allclose(motifs.filter_pwms(model, codes).counts, found.counts)  # codes work too


def test_filter_pwms_top_counts_the_most_activating_windows():
    model = scanner_model(padding="valid", kernel_pad=0)
    codes, _ = planted_sequences(40)
    x = one_hot(codes)
    for top in (1, 7, 25):
        found = motifs.filter_pwms(model, x, top=top)
        assert (found.n_sites >= top).all()  # windows tied with the top-th one count too
    acts = predict(keras.Model(model.get_layer("scan").input, model.get_layer("scan").output), x)
    best = motifs.filter_pwms(model, x, top=1)
    i, p = np.unravel_index(acts[..., 0].argmax(), acts.shape[:2])
    np.testing.assert_array_equal(best.counts[0] > 0, x[i, p:p + 8] > 0)  # the one best window, exactly
    with pytest.raises(ValueError, match="top must be between 1"):
        motifs.filter_pwms(model, x, top=0)


def test_filter_pwms_of_a_two_input_model_read_the_sequence_input():
    model = two_input_model()
    codes, levels = two_input_data(n=30)
    found = motifs.filter_pwms(model, {"promoter": codes, "regulators": levels})
    assert found.layer == "conv" and found.pwms.shape == (4, 5, 4)
    acts = predict(keras.Model(model.get_layer("conv").input, model.get_layer("conv").output), one_hot(codes))
    np.testing.assert_allclose(found.max_activation, acts.max(axis=(0, 1)), rtol=1e-6)
    with pytest.raises(ValueError, match="Conv1D"):
        motifs.filter_pwms(build_bigru_multitask(20, 3, units=4, n_layers=1), np.zeros((2, 20, 4)))


def test_class_optimization_recovers_the_motif(collection):
    model = scanner_model(bias=0.0)  # with a negative bias no filter fires at the start: no gradient
    result = optimization.class_optimization(model, 0, steps=150, learning_rate=0.5, l2=0.02, n_starts=3)
    assert result.objective[-1] > result.objective[0]
    assert result.input.shape == (40, 4) and result.starts.shape == (3, 40, 4)
    p_value, offset, strand = motifs.motif_alignment(result.input, PLANTED, collection)
    assert p_value < 1e-4
    assert "planted" in motifs.match_motifs([result.input], collection, top=20)["motif"].tolist()  # AP-1 rivals
    window = result.input[offset:offset + 8] if strand == 1 else \
        motifs.reverse_complement_matrix(result.input[offset:offset + 8])
    assert (window.argmax(axis=1) == CONSENSUS).all()
    assert np.allclose(result.pwm().sum(axis=1), 1.0)
    # the task that the motif pushes down is optimized away from it
    against = optimization.class_optimization(model, 1, steps=50, learning_rate=0.5, l2=0.02)
    assert against.score > predict(model, result.input[None], output="logit")[0, 1]


def test_class_optimization_of_a_two_input_model_holds_the_regulators():
    model = two_input_model()
    _, levels = two_input_data(n=1)
    result = optimization.class_optimization(model, 0, steps=30, learning_rate=0.2, n_starts=2,
                                             context={"regulators": levels[0]})
    assert result.input.shape == (20, 4) and result.objective[-1] > result.objective[0]
    achieved = predict(model, {"promoter": result.input[None], "regulators": levels})[0, 0]
    assert result.score == pytest.approx(achieved, abs=1e-4)
    with pytest.raises(ValueError, match="context"):
        optimization.class_optimization(model, 0, steps=1)
