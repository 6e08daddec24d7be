"""Non-neural baselines the models must beat: order-k Markov chains and k-mer logistic regression."""
