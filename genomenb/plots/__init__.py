"""Plots for the book, one module per topic; import the topic module you need.

Every function draws into a given matplotlib ``ax``, returns it, and never
calls ``plt.show()``.

Modules
-------
genomes
    GC skew, k-mer spectra, reverse-complement symmetry, device timings.
language_models
    Learning curves, Markov orders, perplexity bars, sweep tables.
tasks
    Label prevalence, label barcodes and correlations, per-task scores by kind
    and against prevalence, multitask learning curves, sorted per-task F1,
    per-task score scatter, per-set scores.
attribution
    Sequence logos, saliency heatmaps, position tracks, temporal scores,
    attribution-method ranking, sequence colour strips.
barcodes
    Prediction-difference barcodes, grouped mean predictions.
style
    Colours shared by the modules (:data:`~genomenb.plots.style.KIND_COLORS`,
    :data:`~genomenb.plots.style.BASE_COLORS`) and the kind-block labels of
    barcodes.

Examples
--------
>>> from genomenb.plots.tasks import plot_sorted_task_f1  # doctest: +SKIP
"""
