"""What a sequence model looks at: attribution maps, perturbations, optimized inputs and filter motifs.

One module per verb. Callers import the module they use,
``from genomenb.interpret import attribution`` then ``attribution.saliency(...)``;
every submodule is imported here, so with the package at hand
(``from genomenb import interpret``, as the notebooks do)
``interpret.attribution.saliency(...)`` is the same function. No function is
re-exported flat.

=================================================  ===========================================================
module                                             what it does
=================================================  ===========================================================
:mod:`~genomenb.interpret.attribution`             input gradients, saliency (gradient x input), one
                                                   importance per position, every method at once
                                                   (``ATTRIBUTION_METHODS``)
:mod:`~genomenb.interpret.perturbation`            forward-pass perturbations: in-silico mutagenesis,
                                                   prefix/suffix (temporal) scores, filter knockout
:mod:`~genomenb.interpret.optimization`            class optimization: the input most typical of one output
:mod:`~genomenb.interpret.motifs`                  filter PWMs from top-activating windows; Tomtom
                                                   comparison with JASPAR (``memelite``)
:mod:`~genomenb.interpret.grading`                 attributions graded against known (planted) sites
:mod:`~genomenb.interpret.cases`                   which DeepSEA-sim sequences and tasks to explain
:mod:`~genomenb.interpret.barcodes`                feature barcodes and ranked, annotated feature tables
:mod:`~genomenb.interpret.enrichment`              the knockout test: do a filter's most affected genes
                                                   belong to its TF's targets (rank-sum, Fisher, BH)
=================================================  ===========================================================

Models
    Any genomenb model, and any Keras model with a one-hot sequence input:
    ``x`` is one array ``(n, L, 4)`` (or integer codes ``(n, L)``) or a dict
    of named inputs, e.g. ``{"promoter": (n, L, 4), "regulators": (n, R)}``;
    ``sequence_input`` names the input explained (default: the only input
    of shape ``(L, 4)``), the other inputs are held fixed. ``task`` indexes
    the last axis of the output: a feature, a softmax class, 0 for a
    one-output regression.

Forward and backward passes
    Every forward pass is :func:`genomenb.predict.predict` (batched, padded,
    the logit from :func:`genomenb.predict.scoring_model`); the one
    backend-specific step is :func:`genomenb.backend.output_gradients`, so
    the same maps come out under TensorFlow, JAX and PyTorch.
"""

from genomenb.interpret import (  # noqa: F401  (the submodules are the package's interface)
    attribution,
    barcodes,
    cases,
    enrichment,
    grading,
    motifs,
    optimization,
    perturbation,
)

__all__ = ["attribution", "perturbation", "optimization", "motifs", "grading", "cases", "barcodes", "enrichment"]
