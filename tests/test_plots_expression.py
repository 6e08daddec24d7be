"""Plots of the DeepRAGE chapter draw what they are given and refuse malformed input (data simulated, seeded)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from genomenb.plots import expression as ep  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_confusion_writes_percent_of_all_cells():
    fig, ax = plt.subplots()
    ep.plot_class_confusion(ax, np.array([[10, 5, 0], [5, 60, 5], [0, 5, 10]]))
    texts = [t.get_text() for t in ax.texts]
    assert texts[0] == "10.0%" and texts[4] == "60.0%" and len(texts) == 9
    with pytest.raises(ValueError, match="square"):
        ep.plot_class_confusion(ax, np.ones((2, 3)))
    with pytest.raises(ValueError, match="no cell"):
        ep.plot_class_confusion(ax, np.zeros((3, 3)))


def test_scores_by_split_one_bar_per_model_and_split():
    table = pd.DataFrame({"genes": [0.6, 0.7], "pairs": [0.8, 0.75]}, index=["concat", "additive"])
    fig, ax = plt.subplots()
    ep.plot_scores_by_split(ax, table, reference={"genes": 0.62, "pairs": 0.62})
    heights = sorted(round(p.get_height(), 2) for p in ax.patches)
    assert heights == [0.6, 0.7, 0.75, 0.8]
    with pytest.raises(ValueError, match="empty"):
        ep.plot_scores_by_split(ax, pd.DataFrame())


def test_predicted_vs_measured_skips_nan_and_reports_r():
    rng = np.random.default_rng(0)
    t = rng.normal(size=500)
    t[:10] = np.nan
    fig, ax = plt.subplots()
    ep.plot_predicted_vs_measured(ax, t, t * 2 + 1)
    assert "r = 1.000" in ax.get_title() and "n = 490" in ax.get_title()
    with pytest.raises(ValueError, match="differ"):
        ep.plot_predicted_vs_measured(ax, t, t[:5])


def test_join_memory_logos_and_knockout():
    fig, axes = plt.subplots(1, 4)
    ep.plot_join_memory(axes[0], {"book": {"tensor_full": 2**30, "tensor_pooled": 2**20}})
    assert axes[0].get_yscale() == "log"
    pwm = np.full((6, 4), 0.25)
    pwm[:, 0] = 0.7
    pwm[:, 1:] = 0.1
    ep.plot_filter_logos(axes[1:3], [pwm], ["filter 0: MIG1"])
    assert axes[1].get_title() == "filter 0: MIG1" and not axes[2].axison
    with pytest.raises(ValueError, match="titles"):
        ep.plot_filter_logos(axes[1:3], [pwm], [])
    delta = np.array([0.5, -0.1, 0.0, 0.3])
    ep.plot_knockout_changes(axes[3], delta, np.array([True, False, False, True]), top=2)
    xs = axes[3].collections[0].get_offsets()[:, 0]
    assert list(xs) == [1, 2]  # the two targets are the two largest |changes|
    with pytest.raises(ValueError, match="1-D"):
        ep.plot_knockout_changes(axes[3], delta, np.ones(3, dtype=bool))
