"""Figures people can read: the check of Run.save_figure, derived alt text, its way into the book, the plots."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from genomenb import figures, runner  # noqa: E402
from genomenb.notebook_run import Run  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labelled(title="Perplexity by training step", x="training step (bases)", y="perplexity"):
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [4.0, 3.8, 3.7])
    ax.set_title(title)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    return fig, ax


# --------------------------------------------------------------------------- the check


def test_a_figure_without_a_title_raises_naming_it():
    fig, ax = _labelled(title="")
    with pytest.raises(ValueError, match=r"figure 'curves' is missing a title"):
        figures.check_figure(fig, "curves")


def test_missing_axis_labels_are_named():
    fig, ax = _labelled(y="")
    with pytest.raises(ValueError, match=r"panel 1 \('Perplexity by training step'\): no y label"):
        figures.check_figure(fig, "curves")
    ax.set_ylabel("perplexity")
    ax.set_xlabel("")
    with pytest.raises(ValueError, match="no x label"):
        figures.check_figure(fig, "curves")


def test_a_suptitle_titles_every_panel_and_every_panel_needs_labels():
    fig, axes = plt.subplots(1, 2)
    for ax in axes:
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("position (bases)")
    axes[0].set_ylabel("GC content (fraction)")
    fig.suptitle("Two genomes")
    with pytest.raises(ValueError, match=r"panel 2 .*no y label"):
        figures.check_figure(fig, "two")
    axes[1].set_ylabel("GC content (fraction)")
    figures.check_figure(fig, "two")


def test_untitled_panel_without_suptitle_raises():
    fig, axes = plt.subplots(1, 2)
    for ax in axes:
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("x (bases)")
        ax.set_ylabel("y (fraction)")
    axes[0].set_title("left")
    with pytest.raises(ValueError, match=r"panel\(s\) \[2\] have no title"):
        figures.check_figure(fig, "pair")


def test_colorbars_empty_and_hidden_axes_shared_and_twin_axes_pass():
    fig, axes = plt.subplots(3, 1, sharex=True)
    image = axes[0].imshow(np.eye(3), aspect="auto")
    fig.colorbar(image, ax=axes[0], label="value")
    axes[1].plot([0, 1], [1, 0])
    twin = axes[1].twinx()
    twin.plot([0, 1], [0, 2])
    twin.set_ylabel("cumulative skew")
    axes[2].axis("off")
    for ax in axes[:2]:
        ax.set_ylabel("row")
    axes[1].set_xlabel("position (Mb)")  # the upper panel shares it
    extra = fig.add_axes([0.8, 0.8, 0.1, 0.1])  # no data: exempt
    extra.set_xticks([])
    fig.suptitle("Shared axes")
    figures.check_figure(fig, "shared")
    alt = figures.figure_alt(fig)
    assert "right y: cumulative skew" in alt and alt.count("Panel") == 2


def test_a_figure_without_data_raises():
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="shows no data"):
        figures.check_figure(fig, "empty")


# --------------------------------------------------------------------------- alt text


def test_alt_text_names_the_title_and_the_labels():
    fig, _ = _labelled()
    assert figures.figure_alt(fig) == "Perplexity by training step — x: training step (bases), y: perplexity"


def test_alt_text_of_panels_starts_with_the_suptitle():
    fig, axes = plt.subplots(1, 2)
    for ax, name in zip(axes, ("E. coli", "P. falciparum")):
        ax.plot([0, 1], [4, 3])
        ax.set_title(name)
        ax.set_xlabel("training step (bases)")
        ax.set_ylabel("perplexity")
    fig.suptitle("Perplexity by training step")
    alt = figures.figure_alt(fig)
    assert alt.startswith("Perplexity by training step. Panel 1: E. coli — x: training step (bases), y: perplexity")
    assert "Panel 2: P. falciparum" in alt
    assert alt.count("x: training step") == 1  # a repeated pair of labels is said once


def test_alt_text_is_plain_and_short():
    fig, axes = plt.subplots(2, 6)
    for i, ax in enumerate(axes.flat):
        ax.plot([0, 1], [0, 1])
        ax.set_title(f"filter {i}: a rather long name of the matched motif $\\alpha$\nsecond line")
        ax.set_xlabel(f"position (bases) {i}")
        ax.set_ylabel("information (bits)")
    alt = figures.figure_alt(fig)
    assert len(alt) <= figures.ALT_LIMIT and alt.endswith("…")
    assert "$" not in alt and "\n" not in alt


# --------------------------------------------------------------------------- save_figure


def test_save_figure_checks_before_writing(tmp_path):
    run = Run({"output_dir": str(tmp_path)}, tmp_path)
    fig, _ = _labelled(title="")
    with pytest.raises(ValueError, match="'untitled'"):
        run.save_figure(fig, "untitled")
    assert not (tmp_path / "untitled.png").exists()
    fig, _ = _labelled()
    path = run.save_figure(fig, "curves", alt="a hand-written description")
    assert path == tmp_path / "curves.png" and path.read_bytes()[:4] == b"\x89PNG"


# --------------------------------------------------------------------------- the book's staging


def _executed(alts_per_cell):
    cells = []
    for alts in alts_per_cell:
        outputs = [{"output_type": "display_data", "data": {"image/png": "iVBORw0K", "text/plain": "<Figure>"},
                    "metadata": {"image/png": {"alt": alt}}} for alt in alts]
        outputs.append({"output_type": "stream", "name": "stdout", "text": "done\n"})
        cells.append({"cell_type": "code", "metadata": {}, "source": "run.save_figure(fig, 'x')", "outputs": outputs})
    cells.append({"cell_type": "markdown", "metadata": {}, "source": "text"})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_alt_texts_move_from_the_outputs_to_the_cell_metadata():
    nb = _executed([["GC skew — x: position (Mb), y: skew"], [], ["first", "second"]])
    nb["cells"][1]["outputs"][0]["metadata"] = {}
    assert figures.alt_to_cell_metadata(nb) == 2
    assert nb["cells"][0]["metadata"] == {"mystnb": {"image": {"alt": "GC skew — x: position (Mb), y: skew"}}}
    assert "mystnb" not in nb["cells"][1]["metadata"]
    assert nb["cells"][2]["metadata"]["mystnb"]["image"]["alt"] == "first; second"
    assert nb["cells"][3] == {"cell_type": "markdown", "metadata": {}, "source": "text"}


def test_a_hand_written_cell_alt_is_kept():
    nb = _executed([["derived"]])
    nb["cells"][0]["metadata"] = {"mystnb": {"image": {"alt": "by hand", "width": "80%"}}}
    assert figures.alt_to_cell_metadata(nb) == 0
    assert nb["cells"][0]["metadata"]["mystnb"]["image"] == {"alt": "by hand", "width": "80%"}


def test_publishable_notebooks_carry_the_alt_text_where_myst_nb_reads_it(tmp_path):
    nb = _executed([[f"saved to {tmp_path}/results/x"]])
    published = json.loads(runner.publishable(json.dumps(nb), tmp_path))
    assert published["cells"][0]["metadata"]["mystnb"]["image"]["alt"] == "saved to results/x"
    plain = json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": []}]})
    assert runner.publishable(plain, tmp_path) == plain  # nothing to move: the text is left as it was


def test_myst_nb_reads_image_alt_from_the_cell_metadata():
    from myst_nb.core.config import NbParserConfig

    config = NbParserConfig()
    cell_metadata = {"mystnb": {"image": {"alt": "GC skew"}}}
    warnings = []
    options = config.get_cell_level_config("render_image_options", cell_metadata,
                                           lambda message, subtype: warnings.append(message))
    assert options["alt"] == "GC skew" and not warnings


# --------------------------------------------------------------------------- the plots


_FORBIDDEN_MAPS = re.compile(r"""["'](jet|rainbow|RdBu(_r)?|bwr|coolwarm|seismic|tab10|tab20|hsv|Spectral)["']""")


def test_plot_modules_use_no_colour_map_unreadable_in_greyscale():
    plots = Path(__file__).resolve().parents[1] / "genomenb" / "plots"
    offenders = [f"{p.name}: {m.group(0)}" for p in sorted(plots.glob("*.py"))
                 for m in _FORBIDDEN_MAPS.finditer(p.read_text(encoding="utf-8"))]
    assert not offenders, offenders


def _draw_all():
    """Draw the plot functions on small made-up inputs, check each figure and close it; returns the alt texts."""
    from genomenb.plots import attribution, barcodes, expression, genera, genomes, language_models, resistance, tasks

    rng = np.random.default_rng(0)
    kinds = np.array(["DNase"] * 4 + ["TF"] * 4 + ["Histone"] * 4)
    out = []

    def panel(name, draw, *, title=True):
        fig, ax = plt.subplots()
        draw(ax)
        if title and not ax.get_title():
            ax.set_title(name)
        done(name, fig)

    def done(name, fig):
        figures.check_figure(fig, name)
        out.append(figures.figure_alt(fig))
        plt.close(fig)

    panel("kmer_spectra", lambda ax: genomes.plot_kmer_spectra(ax, {"a": rng.random(4), "b": rng.random(4)},
                                                               list("ACGT")))
    panel("device_timings", lambda ax: genomes.plot_device_timings(ax, {"cpu:0": 0.2, "gpu:0": 0.01}, gflop=1.0))
    panel("perplexity_bars", lambda ax: language_models.plot_perplexity_bars(ax, {"paper": 3.6, "ours": 3.7}))
    panel("sweep", lambda ax: language_models.plot_sweep(ax, pd.DataFrame({"cell": ["gru", "lstm"],
                                                                           "heldout_perplexity": [3.8, 3.9]}),
                                                         "heldout_perplexity"))
    table = pd.DataFrame(rng.random((3, 3)) + 3, index=["g1", "g2", "g3"], columns=["A", "B", "C"])
    panel("perplexity_table", lambda ax: genera.plot_perplexity_table(ax, table, {"g1": "A", "g2": "B", "g3": "C"}))
    panel("over_optimism", lambda ax: genera.plot_over_optimism(ax, table.iloc[:, :2]))
    panel("label_barcode", lambda ax: tasks.plot_label_barcode(ax, rng.random((5, 12)) > 0.7, kinds))
    panel("label_correlation", lambda ax: tasks.plot_label_correlation(ax, np.corrcoef(rng.random((6, 9))),
                                                                       ["K562"] * 3 + ["HepG2"] * 3))
    panel("scores_by_kind", lambda ax: tasks.plot_task_scores_by_kind(ax, {"m": rng.random(12)}, kinds))
    sets = pd.DataFrame({"a_auroc": [0.7, 0.8], "b_auroc": [0.6, 0.9]}, index=["s1", "s2"])
    panel("set_scores", lambda ax: tasks.plot_set_scores(ax, sets, ["a", "b"], marked=[True, False]))
    saliency = rng.normal(size=(30, 4))
    panel("saliency", lambda ax: attribution.plot_saliency_heatmap(ax, saliency, rng.integers(0, 4, 30)))
    panel("tracks", lambda ax: attribution.plot_position_tracks(ax, {"saliency": rng.random(30), "ISM": rng.random(30)},
                                                                sites=[(3, 5, "site")]))
    panel("pwm_logo", lambda ax: attribution.plot_pwm_logo(ax, rng.dirichlet(np.ones(4), 6)))
    panel("attribution_logo", lambda ax: attribution.plot_attribution_logo(ax, rng.normal(size=(6, 4))))
    ranking = pd.DataFrame({"mean_auroc": [0.9, 0.5], "sem_auroc": [0.01, 0.02]}, index=["saliency", "random"])
    panel("method_ranking", lambda ax: attribution.plot_method_ranking(ax, ranking))
    panel("sequence_strip", lambda ax: attribution.plot_sequence_strip(ax, rng.integers(0, 5, (4, 20))))
    panel("difference", lambda ax: barcodes.plot_prediction_difference(ax, rng.random((5, 12)) > 0.5,
                                                                       rng.random((5, 12)) > 0.5, kinds))
    grid = pd.DataFrame(rng.random((2, 3)), index=pd.Index(["K562", "HepG2"], name="cell_type"),
                        columns=pd.Index(["DNase", "TF", "Histone"], name="kind"))
    panel("grouped", lambda ax: barcodes.plot_grouped_predictions(ax, grid))
    cv = pd.DataFrame([[0.8, 0.7], [0.9, 0.6]], index=["lstm", "kmer"],
                      columns=pd.MultiIndex.from_tuples([("cv", "accuracy"), ("test", "accuracy")]))
    panel("cv_vs_test", lambda ax: resistance.plot_cv_vs_test(ax, cv), title=False)
    bins = pd.DataFrame({"genes": [10, 5], "nearest_neighbour": [0.9, 0.5], "bilstm": [0.8, 0.6]},
                        index=["<50", ">=50"])
    panel("identity_bins", lambda ax: resistance.plot_identity_bins(ax, bins), title=False)
    scores = pd.DataFrame({"genes": [0.6, 0.7], "pairs": [0.5, 0.8]}, index=["additive", "concat"])
    panel("scores_by_split", lambda ax: expression.plot_scores_by_split(ax, scores, reference={"genes": 0.5}))
    panel("predicted_vs_measured", lambda ax: expression.plot_predicted_vs_measured(ax, rng.normal(size=200),
                                                                                    rng.normal(size=200)), title=False)
    panel("join_memory", lambda ax: expression.plot_join_memory(ax, {"book": {"concat": 2.0**20, "tensor": 2.0**24}}))
    fig, axes = plt.subplots(1, 2)
    sets_table = {"resistance": pd.DataFrame({"gc": rng.uniform(0.3, 0.7, 50), "length": rng.integers(300, 3000, 50)}),
                  "ordinary": pd.DataFrame({"gc": rng.uniform(0.3, 0.7, 50), "length": rng.integers(300, 3000, 50)})}
    resistance.plot_composition(axes, sets_table)
    done("composition", fig)
    return out


def test_every_plot_function_draws_a_readable_figure():
    alts = _draw_all()
    assert len(alts) >= 20
    assert all(0 < len(alt) <= figures.ALT_LIMIT for alt in alts)
