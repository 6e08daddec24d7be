"""Plots for the book, one module per topic; import the topic module you need.

Every function draws into a given matplotlib ``ax``, returns it, and never
calls ``plt.show()``.

Modules
-------
genomes
    GC skew, k-mer spectra, reverse-complement symmetry, device timings.
language_models
    Learning curves, Markov orders, perplexity bars, sweep tables.
genera
    Genus models: Table 1 heatmap, fragment accuracy by length, confusion
    matrices, intra-genome vs unseen perplexity.
genes
    Gene-likeness of generated sequences: codon-usage scatter, CAI / GC3 /
    Prodigal-score distributions, full-length gene calls.
embedding
    Hidden-state gene embeddings: per-base maps with mixture contours,
    genes x components heatmap, gene maps by functional class, class separation.
tasks
    Label prevalence, label barcodes and correlations, per-task scores by kind
    and against prevalence, multitask learning curves, sorted per-task F1,
    per-task score scatter, per-set scores.
attribution
    Sequence logos, saliency heatmaps, position tracks, temporal scores,
    attribution-method ranking, sequence colour strips.
barcodes
    Prediction-difference barcodes, grouped mean predictions.
resistance
    Resistance genes: composition of the gene sets, cross-validation curves,
    CV vs held-out scores, accuracy by identity to the training genes.
expression
    Yeast expression (DeepRAGE): class confusion, scores per model and split
    kind, predicted vs measured, join memory, filter logos, knockout changes.
style
    Colours, markers, hatches and colour maps shared by the modules
    (:data:`~genomenb.plots.style.KIND_COLORS`,
    :data:`~genomenb.plots.style.BASE_COLORS`, perceptually uniform maps of
    monotonic lightness such as :data:`~genomenb.plots.style.SIGNED_CMAP`)
    and the kind-block labels of barcodes.

Every figure a notebook saves has a title and labelled axes, with units:
:meth:`genomenb.notebook_run.Run.save_figure` checks it
(:func:`genomenb.figures.check_figure`).

Examples
--------
>>> from genomenb.plots.tasks import plot_sorted_task_f1  # doctest: +SKIP
"""
