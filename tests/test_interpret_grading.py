"""Grading attributions against known sites, and choosing the cases to explain on DeepSEA-sim."""

import numpy as np
import pandas as pd
import pytest

from genomenb.interpret import cases, grading


def test_ranking_metrics_on_perfect_and_inverted_scores():
    mask = np.zeros((2, 10), dtype=bool)
    mask[0, 2:5] = True
    mask[1, 7:9] = True
    table = grading.rank_planted_positions({"perfect": mask * 1.0, "inverted": ~mask * 1.0}, mask)
    assert (table["perfect_auroc"] == 1).all() and (table["inverted_auroc"] == 0).all()
    assert (table["perfect_aupr"] == 1).all()
    np.testing.assert_allclose(table["planted_fraction"], [0.3, 0.2])
    sites = pd.DataFrame({"seq": [0, 1], "start": [-2, 8], "width": [4, 5]})
    clipped = grading.planted_site_mask(sites, 10)
    assert clipped[0].tolist() == [True, True] + [False] * 8 and clipped[1, 8:].all()


def test_sites_and_cases_follow_the_ground_truth_layout():
    raw = pd.DataFrame({"row": [10, 10, 12, 15, 15], "motif": [0, 1, 0, 2, 0],
                        "start_in_crop": [3, 40, -2, 5, 20], "width": [8, 8, 8, 6, 8], "strand": [1, -1, 1, 1, -1],
                        "planted": [True, True, True, True, False]})
    sites = grading.sites_in_arrays(raw, np.array([10, 12, 15]), 44)
    # the site running off the crop (-2) and the one past the end (40 + 8 > 44) go; so does the genuine match
    assert sites[["seq", "start", "motif"]].values.tolist() == [[0, 3, 0], [2, 5, 2]]
    chosen, case_sites = cases.planted_cases(sites, {7: (0, (2,)), 8: (2, ())}, per_task=5)
    assert chosen[["seq", "task", "motif"]].values.tolist() == [[0, 7, 0], [2, 8, 2]]
    assert case_sites["seq"].tolist() == [0, 1] and case_sites["own"].tolist() == [True, True]
    assert case_sites.attrs["n"] == 2
    assert cases.case_site_spans(case_sites, 1, ["a", "b", "c"]) == [(5, 6, "c")]
    assert cases.case_site_spans(None, 0, []) == []
    top = cases.top_predicted_cases(np.array([[0.1, 0.9], [0.8, 0.2], [0.5, 0.7]]), [0, 1], per_task=2)
    assert top[["seq", "task"]].values.tolist() == [[1, 0], [2, 0], [0, 1], [2, 1]]


def test_best_task_per_motif_keeps_one_task_per_motif():
    auroc = np.array([0.9, 0.95, 0.7, np.nan, 0.99])
    motifs = ["M1", "M1", "M2", "M2", ""]
    table = grading.best_task_per_motif(auroc, motifs, n_tasks=5)
    assert table[["task", "motif"]].values.tolist() == [[1, "M1"], [2, "M2"]]
    eligible = np.array([True, False, True, True, True])
    assert grading.best_task_per_motif(auroc, motifs, eligible=eligible)["task"].tolist() == [0, 2]


def test_aligned_site_attributions_turn_reverse_sites_to_the_motif_strand():
    attribution = np.zeros((2, 6, 4))
    attribution[0, 1:3] = [[1, 0, 0, 0], [0, 2, 0, 0]]  # A then C on the forward strand
    attribution[1, 3:5] = [[0, 0, 2, 0], [0, 0, 0, 1]]  # G then T: the reverse complement of A C
    sites = pd.DataFrame({"seq": [0, 1], "start": [1, 3], "width": [2, 2], "strand": [1, -1]})
    pattern = grading.aligned_site_attributions(attribution, sites)
    np.testing.assert_allclose(pattern, [[0.5, 0, 0, 0], [0, 1, 0, 0]])
    with pytest.raises(ValueError, match="one width"):
        grading.aligned_site_attributions(attribution, sites.assign(width=[2, 3]))


def test_cases_of_task_renumbers_their_sites():
    task_of_case = np.array([7, 8, 7, 7])
    case_sites = pd.DataFrame({"seq": [0, 1, 2, 2, 3], "start": [1, 2, 3, 4, 5],
                               "own": [True, True, False, True, True]})
    on_task, sites = cases.cases_of_task(task_of_case, case_sites, 7)
    assert on_task.tolist() == [0, 2, 3]
    assert sites[["seq", "start"]].values.tolist() == [[0, 1], [1, 4], [2, 5]]
    assert case_sites["seq"].tolist() == [0, 1, 2, 2, 3], "the input table is left alone"
    _, every = cases.cases_of_task(task_of_case, case_sites, 7, own_only=False)
    assert every["start"].tolist() == [1, 3, 4, 5]
    none, empty = cases.cases_of_task(task_of_case, case_sites, 9)
    assert none.size == 0 and empty.empty
