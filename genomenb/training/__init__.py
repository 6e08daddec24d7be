"""Training: the one epoch loop and what each kind of model needs around it.

Modules
-------
:mod:`~genomenb.training.loop`
    :func:`run_epochs`, the only epoch loop of the package: checkpoint and
    resume, best epoch on any monitored column, early stopping, tracked
    predictions, one line per epoch.
:mod:`~genomenb.training.checkpoint`
    The files of a run (atomic writes) and its fingerprint.
:mod:`~genomenb.training.batches`
    :class:`ArrayBatches`: examples from arrays (one or several inputs),
    one-hot per batch, padding trimmed per batch.
:mod:`~genomenb.training.targets`
    Losses and validation scores of multitask labels, classes and real values.
:mod:`~genomenb.training.supervised`
    :func:`train_supervised` for arrays of examples.
:mod:`~genomenb.training.language_model`
    Genome language models: streamed windows, held-out perplexity.
:mod:`~genomenb.training.crossval`
    Grouped k-fold cross-validation and model selection.
"""

from genomenb.training.crossval import CrossValidation, cross_validate, select_models
from genomenb.training.language_model import (
                                              TrainConfig,
                                              compare_models,
                                              evaluate_cross_entropy,
                                              evaluation_blocks,
                                              final_perplexities,
                                              grid_search,
                                              perplexity_within,
                                              steady_seconds,
                                              train_language_model,
)
from genomenb.training.loop import TrainResult, run_epochs
from genomenb.training.supervised import class_weights, train_supervised

__all__ = ["CrossValidation", "TrainConfig", "TrainResult", "class_weights", "compare_models", "cross_validate",
           "evaluate_cross_entropy", "evaluation_blocks", "final_perplexities", "grid_search", "perplexity_within",
           "run_epochs", "select_models", "steady_seconds", "train_language_model", "train_supervised"]
