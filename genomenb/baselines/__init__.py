"""Non-neural baselines the models must beat.

Markov chains (:mod:`~genomenb.baselines.markov`), k-mer logistic regression
(:mod:`~genomenb.baselines.kmer`), composition classifiers of fragments and
genes (:mod:`~genomenb.baselines.composition`), nearest-neighbour homology
(:mod:`~genomenb.baselines.homology`) and the scoring of any of them on a
model's grouped folds (:mod:`~genomenb.baselines.folds`), and the yeast
expression baselines: majority, additive gene + condition, low-rank
completion, motif x regulator boosted trees (:mod:`~genomenb.baselines.expression`).
"""
