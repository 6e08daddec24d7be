"""Every notebook of the book runs end to end with the smoke profile and writes sane metrics."""

import math
import re

import pytest

from genomenb import prose, runner
from genomenb.notebook_run import read_metrics

ROOT = runner.project_root()

# Keys the smoke profile does not measure by design (it trains fewer genomes and word sizes): a smoke book shows
# "n/a" for them, the book and paper builds require them.
SMOKE_ABSENT = {"12_proposals_tested": re.compile(r"'(pfalciparum_\w*|\w*word6\w*)'$")}

# Keys each notebook's metrics.json must contain (issue acceptance criteria).
REQUIRED = {
    "00_data_tour": ["n_data_files", "conv_seconds_cpu", "ecoli_k12_gc", "ecoli_skew_origin_bp",
                     "ecoli_annotated_origin_bp"],
    "01_sanity_genomes": ["random_heldout_perplexity", "repeat_heldout_perplexity"],
    "02_genome_language_models": ["ecoli_heldout_perplexity", "ecoli_markov_best_perplexity",
                                  "pfalciparum_heldout_perplexity", "pfalciparum_markov_best_perplexity"],
    "03_kmer_baselines": ["data_source", "features_min_prevalence_train", "published_features_min_prevalence",
                          "kmer_auroc_median", "kmer_auroc_median_min_prevalence", "kmer_f1_median_min_prevalence",
                          "integer_auroc_median_min_prevalence", "kmer_fit_seconds"],
    "04_multitask_919": ["data_source", "win_rate_f1_vs_kmer", "mean_f1_gain_vs_kmer", "n_tasks_evaluated",
                         "win_rate_f1_vs_kmer_max_over_epochs", "deepsea_win_rate_f1_vs_kmer",
                         "danq_win_rate_f1_vs_kmer", "bigru_best_val_perplexity"],
    "05_real_tf_binding": ["n_sets", "win_rate_auroc_vs_kmer", "bigru_auroc_median", "cnn_auroc_median",
                           "kmer_auroc_median", "win_rate_auroc_vs_kmer_genomic_negatives"],
    "06_saliency_maps": ["data_source", "attribution_auroc_saliency", "attribution_auroc_gradient",
                         "attribution_auroc_ism", "attribution_auroc_temporal", "attribution_auroc_random",
                         "attribution_best_method", "filters_matching_a_motif"],
    "07_feature_barcodes": ["data_source", "barcode_f1_train_first_epoch", "barcode_f1_train_last_epoch",
                            "barcode_f1_valid_last_epoch", "xlsx_rows"],
    "08_genome_dreaming": ["n_genera", "n_unseen_genomes", "accuracy_1000bp_lm", "accuracy_1000bp_gc",
                           "accuracy_1000bp_svm", "accuracy_1000bp_markov", "genome_accuracy_lm_table1",
                           "own_fasta_call_correct", "genes_lstm_t1_constraint_pct", "genes_lstm_t1_codon_distance",
                           "genes_random_codons_codon_distance", "separation_rnn_occupancy_knn_accuracy",
                           "separation_5gram_frequencies_knn_accuracy"],
    "09_resistance_genes": ["n_positives", "n_ordinary", "test_ordinary_bilstm_accuracy",
                            "test_ordinary_nearest_neighbour_accuracy", "test_ordinary_gc_length_accuracy",
                            "test_ordinary_kmer_accuracy", "cv_ordinary_bilstm_accuracy",
                            "test_capsule_gc_length_accuracy", "random_split_bilstm_accuracy", "drug_macro_f1",
                            "drug_kmer_macro_f1"],
    "10_deeprage": ["class_balance_down", "class_balance_baseline", "class_balance_up", "pairs_best_network_accuracy",
                    "pairs_margin_vs_additive", "pairs_margin_vs_boosted_trees", "paper_deeprage_c_accuracy_theirs",
                    "join_memory_paper_tensor_full", "join_memory_paper_tensor_factorized",
                    "join_memory_paper_tensor_pooled", "parameters_paper_tensor_factorized",
                    "parameters_paper_tensor_pooled", "pairs_best_confusion_pct_down_down"]
                   + [f"{k}_{m}_classes_accuracy" for k in ("genes", "conditions", "pairs")
                      for m in ("majority", "additive", "boosted_trees", "concat", "tensor_pooled",
                                "tensor_factorized", "promoter_only", "regulator_only")]
                   + [f"{k}_{m}_regression_mse" for k in ("genes", "conditions", "pairs")
                      for m in ("additive", "boosted_trees", "concat", "tensor_pooled", "tensor_factorized",
                                "promoter_only", "regulator_only")],
    "11_deeprage_motifs": ["n_filters_matched", "n_filters_matched_prior", "motif_model_pairs_mse", "rnn_pool"]
                          + [f"{k}_{m}_classes_accuracy" for k in ("genes", "conditions", "pairs")
                             for m in ("majority", "additive", "concat_rnn", "tensor_rnn")],
    "12_proposals_tested": ["data_source_919", "tasks_compared", "tf_sets", "tf_long_sets", "ecoli_markov_perplexity"]
                           + [f"ecoli_{m}_{c}" for m in ("gru", "cwrnn", "word3", "big_gru")
                              for c in ("heldout_perplexity", "parameters", "seconds")]
                           + ["ecoli_gru_perplexity_equal_time"]  # NaN for a model with no epoch in that time
                           + [f"{m}_100_{c}" for m in ("bigru", "bicwrnn")
                              for c in ("win_rate_auroc_vs_kmer", "win_rate_f1_vs_kmer", "median_auroc")]
                           + [f"tf_{m}_101_win_rate_auroc_vs_kmer" for m in ("bigru", "bicwrnn")],
}


@pytest.mark.notebooks
@pytest.mark.parametrize("nb", runner.toc_notebooks(ROOT), ids=lambda p: p.stem)
def test_notebook_smoke(nb):
    # Results go to the project's results/ folder so the smoke book build reuses them (cache).
    result = runner.run_notebook(nb, "smoke", use_cache=True, progress=False, root=ROOT)
    metrics = read_metrics(result.output_dir)
    params = metrics.pop("parameters")
    assert params == result.parameters
    for key, value in metrics.items():
        assert isinstance(value, (int, float, str, bool)), key
        if isinstance(value, float):
            assert math.isfinite(value), key
    missing = [k for k in REQUIRED.get(nb.stem, []) if k not in metrics]
    assert not missing, f"{nb.stem} metrics.json lacks {missing}"
    assert (result.output_dir / nb.name).is_file()
    # every number the prose quotes from this notebook (MyST-NB glue) was written by this run
    absent = SMOKE_ABSENT.get(nb.stem)
    unquoted = [p for p in prose.missing_glue_keys(ROOT / "book", ROOT / "results", "smoke", notebooks=[nb.stem])
                if not (absent and absent.search(p))]
    assert not unquoted, "\n".join(unquoted)
