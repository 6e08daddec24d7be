"""Non-neural baselines of the yeast expression chapter (DeepRAGE), on plain arrays.

The task: predict the expression of gene ``g`` in condition ``c`` -- a real
value (log2 ratio) or one of three classes -- from the gene's promoter and
the condition's regulator states. Everything here works on a ``(G, C)``
matrix of cells and a boolean ``(G, C)`` training mask, so the same code
serves every split kind (unseen genes: whole rows held out, unseen
conditions: whole columns, unseen pairs: random cells).

Classes (:func:`genomenb.data.yeast.expression_classes`)
    ``0`` down (value ``<= -threshold``), ``1`` baseline, ``2`` up
    (``>= threshold``), ``-1`` where the value is missing (NaN). The chapter's
    threshold is 0.5 (the one DeepRegret's code uses).

:func:`majority_class`
    The chance level: the most frequent class of the training cells.

:class:`AdditiveModel`
    Gene mean + condition mean - grand mean, fitted on the training cells.
    It knows nothing of sequence or regulators, so it measures how much of
    the accuracy on unseen *pairs* is free: a gene that is induced in the
    training cells is induced in its held-out cells too. Two ways to get
    classes out of it:

    * ``predict_classes(method="threshold")``: the predicted value cut at the
      same ``+-threshold`` as the truth. The sum of two means is shrunk
      towards 0, so too few cells leave the baseline class.
    * ``predict_classes(method="log_odds")`` (**the one the chapter should
      report**): per-gene and per-condition class log-odds, estimated from
      class counts of the training cells (smoothed towards the overall class
      frequencies by ``pseudocount``), added to the log prior; the class with
      the highest sum is called (a naive-Bayes combination of "this gene" and
      "this condition"). It uses the class frequencies directly rather than a
      mean, and is the stronger of the two on the real data.

:class:`LowRankModel`
    Rank-``k`` SVD completion of the training cells. On unseen pairs it is
    far stronger than the additive model (genes are co-expressed), so it is
    the honest "free" reference for that split kind; on unseen genes it has
    nothing to go on.

:func:`motif_hits`
    ``(G, M)`` motif features of promoters: the best log-odds score of each
    PWM on either strand (through :class:`genomenb.data.motifs.MotifScanner`,
    one matrix product per chunk of promoters), rescaled to ``[0, 1]``, or
    presence (relative score above a threshold). GeneClass and MEDUSA used
    motif presence; counts of every site above a threshold would need the
    scores of every position, which the scanner does not return.

:class:`BoostedTreeBaseline`
    The MEDUSA / GeneClass idea (boosted trees over motif x regulator
    features) with scikit-learn's histogram gradient boosting: the features
    of cell ``(g, c)`` are the motif features of promoter ``g`` followed by
    the regulator states of condition ``c``; the trees find the motif x
    regulator interactions. It is trained on a seeded sample of training
    cells (``max_cells``) and predicts in blocks of cells, so the
    ``G * C * (M + R)`` feature array is never built.

:func:`expression_scores`
    MSE and Pearson r (regression); accuracy, balanced accuracy, macro F1 and
    the 3 x 3 confusion matrix (classes), over the masked cells with a truth.
"""

from __future__ import annotations

import numpy as np

from genomenb.data.motifs import MotifScanner
from genomenb.data.yeast import expression_classes
from genomenb.encode import check_codes, to_codes
from genomenb.metrics import multiclass_scores

__all__ = [
    "CLASS_NAMES",
    "majority_class",
    "AdditiveModel",
    "LowRankModel",
    "motif_hits",
    "BoostedTreeBaseline",
    "expression_scores",
]

#: The three expression classes, in code order.
CLASS_NAMES = ("down", "baseline", "up")
_N_CLASSES = 3


# --------------------------------------------------------------------------- input checks


def _cells(values: np.ndarray, name: str = "values") -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (genes, conditions) matrix, got shape {arr.shape}")
    return arr


def _mask(mask: np.ndarray, shape: tuple[int, int], name: str = "train_mask") -> np.ndarray:
    arr = np.asarray(mask)
    if arr.dtype != bool:
        raise ValueError(f"{name} must be a boolean (genes, conditions) mask, got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape}, expected {shape} (the shape of the cell matrix)")
    return arr


def _classes(classes: np.ndarray, name: str = "classes") -> np.ndarray:
    arr = _cells(classes, name)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must be integer classes (0 down, 1 baseline, 2 up, -1 missing), "
                         f"got dtype {arr.dtype}")
    if arr.size and (arr.min() < -1 or arr.max() > 2):
        raise ValueError(f"{name} must hold -1, 0, 1 or 2, found values {int(arr.min())}..{int(arr.max())}")
    return arr.astype(np.int8, copy=False)


def majority_class(classes: np.ndarray, train_mask: np.ndarray) -> int:
    """The most frequent class among the training cells (ties: the lowest code).

    Predicting it everywhere is the chance level every baseline must beat;
    score it with ``expression_scores(y, np.full_like(y, majority_class(y, train)), test, "classes")``.
    """
    y = _classes(classes)
    train = _mask(train_mask, y.shape)
    counts = np.bincount(y[train & (y >= 0)], minlength=_N_CLASSES)
    if counts.sum() == 0:
        raise ValueError("train_mask selects no cell with a class (all masked cells are -1)")
    return int(np.argmax(counts))


# --------------------------------------------------------------------------- additive model


class AdditiveModel:
    """Gene effect + condition effect, fitted on the training cells only.

    ``value(g, c) = grand + (mean_g - grand) + (mean_c - grand)``, with
    ``mean_g`` the mean of gene ``g`` over its training cells (effect 0 when
    it has none: an unseen gene) and ``mean_c`` likewise per condition.

    Parameters
    ----------
    threshold : float
        Class cut (``+-threshold``): turns the training values into classes
        for the log-odds variant, and the predicted values into classes for
        the threshold variant.
    pseudocount : float
        Total weight of the prior in each gene's and condition's class
        frequencies: ``p_gk = (n_gk + pseudocount * pi_k) / (n_g + pseudocount)``.

    Attributes (after :meth:`fit`)
    ------------------------------
    grand_mean_ : float
    gene_effect_ : numpy.ndarray ``(G,)``
    condition_effect_ : numpy.ndarray ``(C,)``
    class_log_prior_ : numpy.ndarray ``(3,)``, ``log pi_k``
    gene_log_odds_ : numpy.ndarray ``(G, 3)``, ``log(p_gk / pi_k)`` (0 for an unseen gene)
    condition_log_odds_ : numpy.ndarray ``(C, 3)``
    """

    def __init__(self, threshold: float = 0.5, pseudocount: float = 3.0) -> None:
        if not threshold > 0:
            raise ValueError(f"threshold must be positive, got {threshold}")
        if not pseudocount > 0:
            raise ValueError(f"pseudocount must be positive, got {pseudocount}")
        self.threshold = float(threshold)
        self.pseudocount = float(pseudocount)

    def fit(self, values: np.ndarray, train_mask: np.ndarray, classes: np.ndarray | None = None) -> AdditiveModel:
        """Fit both the value effects and the class log-odds.

        Parameters
        ----------
        values : numpy.ndarray
            ``(G, C)`` float values, NaN where missing.
        train_mask : numpy.ndarray
            ``(G, C)`` bool, the training cells (NaN cells are skipped).
        classes : numpy.ndarray, optional
            ``(G, C)`` integer classes; default ``expression_classes(values, threshold)``.
        """
        v = _cells(values).astype(np.float64)
        train = _mask(train_mask, v.shape) & np.isfinite(v)
        if not train.any():
            raise ValueError("train_mask selects no cell with a finite value")
        y = expression_classes(v, self.threshold) if classes is None else _classes(classes)
        if y.shape != v.shape:
            raise ValueError(f"classes has shape {y.shape}, expected {v.shape}")
        self.shape_ = v.shape
        w = train.astype(np.float64)
        vz = np.where(train, v, 0.0)
        self.grand_mean_ = float(vz.sum() / w.sum())
        n_g, n_c = w.sum(axis=1), w.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.gene_effect_ = np.where(n_g > 0, vz.sum(axis=1) / n_g - self.grand_mean_, 0.0)
            self.condition_effect_ = np.where(n_c > 0, vz.sum(axis=0) / n_c - self.grand_mean_, 0.0)

        known = train & (y >= 0)
        onehot = (y[..., None] == np.arange(_N_CLASSES)) & known[..., None]  # (G, C, 3)
        prior = (onehot.sum(axis=(0, 1)) + 1.0) / (known.sum() + _N_CLASSES)
        self.class_log_prior_ = np.log(prior)
        a = self.pseudocount
        per_gene, per_cond = onehot.sum(axis=1), onehot.sum(axis=0)
        self.gene_log_odds_ = np.log((per_gene + a * prior) / (per_gene.sum(1, keepdims=True) + a)) - np.log(prior)
        self.condition_log_odds_ = (np.log((per_cond + a * prior) / (per_cond.sum(1, keepdims=True) + a))
                                    - np.log(prior))
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "shape_"):
            raise ValueError("AdditiveModel is not fitted: call fit(values, train_mask) first")

    def predict(self) -> np.ndarray:
        """``(G, C)`` predicted values for every cell."""
        self._check_fitted()
        return self.grand_mean_ + self.gene_effect_[:, None] + self.condition_effect_[None, :]

    def class_scores(self) -> np.ndarray:
        """``(G, C, 3)`` summed log-odds ``log pi_k + gene_k + condition_k`` (unnormalised log-probabilities)."""
        self._check_fitted()
        return (self.class_log_prior_[None, None, :] + self.gene_log_odds_[:, None, :]
                + self.condition_log_odds_[None, :, :])

    def predict_proba(self) -> np.ndarray:
        """``(G, C, 3)`` class probabilities of the log-odds variant (softmax of :meth:`class_scores`)."""
        s = self.class_scores()
        s = np.exp(s - s.max(axis=2, keepdims=True))
        return s / s.sum(axis=2, keepdims=True)

    def predict_classes(self, method: str = "log_odds") -> np.ndarray:
        """``(G, C)`` ``int8`` classes: ``"log_odds"`` (recommended) or ``"threshold"`` (predicted value cut)."""
        if method == "log_odds":
            return np.argmax(self.class_scores(), axis=2).astype(np.int8)
        if method == "threshold":
            return expression_classes(self.predict(), self.threshold)
        raise ValueError(f"method must be 'log_odds' or 'threshold', got {method!r}")


class LowRankModel:
    """Rank-``k`` completion of the training cells (hard-impute SVD): co-expression, no sequence, no regulators.

    Missing and held-out cells start at the :class:`AdditiveModel` value;
    each of ``n_iter`` rounds replaces them by the rank-``k`` SVD
    reconstruction of the filled matrix while the training cells keep their
    values. On unseen *pairs* this is the free accuracy in full: a held-out
    cell is predicted from the same gene's other conditions and from genes
    that move with it. Classes: the predicted value cut at ``+-threshold``.
    """

    def __init__(self, rank: int = 10, n_iter: int = 30, threshold: float = 0.5) -> None:
        if rank < 1 or n_iter < 1:
            raise ValueError(f"rank and n_iter must be positive, got rank={rank}, n_iter={n_iter}")
        self.rank, self.n_iter = int(rank), int(n_iter)
        self.threshold = float(threshold)

    def fit(self, values: np.ndarray, train_mask: np.ndarray) -> LowRankModel:
        """Complete the ``(G, C)`` matrix from its finite training cells."""
        v = _cells(values).astype(np.float64)
        train = _mask(train_mask, v.shape) & np.isfinite(v)
        if self.rank > min(v.shape):
            raise ValueError(f"rank {self.rank} exceeds the matrix shape {v.shape}")
        filled = np.where(train, v, AdditiveModel(self.threshold).fit(v, train).predict())
        for _ in range(self.n_iter):
            u, s, vt = np.linalg.svd(filled, full_matrices=False)
            low = (u[:, :self.rank] * s[:self.rank]) @ vt[:self.rank]
            filled = np.where(train, v, low)
        self.completed_ = low
        return self

    def predict(self) -> np.ndarray:
        """``(G, C)`` rank-``k`` values for every cell."""
        if not hasattr(self, "completed_"):
            raise ValueError("LowRankModel is not fitted: call fit(values, train_mask) first")
        return self.completed_.copy()

    def predict_classes(self) -> np.ndarray:
        """``(G, C)`` ``int8`` classes of the predicted values."""
        return expression_classes(self.predict(), self.threshold)


# --------------------------------------------------------------------------- motif features


def motif_hits(promoter_codes: np.ndarray, motifs, *, kind: str = "relative", threshold: float = 0.8,
               last: int | None = None, max_bytes: int = 256 * 2**20) -> np.ndarray:
    """Motif features of promoters: best PWM match on either strand, per promoter and motif.

    Parameters
    ----------
    promoter_codes : numpy.ndarray
        ``(G, L)`` ``uint8`` base codes (``A=0 C=1 G=2 T=3 N=4``), or an array
        of equal-length promoter strings. N scores 0 at every motif position.
    motifs : sequence of genomenb.data.motifs.Motif
        The ``M`` motifs.
    kind : {"relative", "score", "presence"}
        ``"score"``: best log-odds (bits, uniform background);
        ``"relative"``: that score rescaled to ``[0, 1]`` between the motif's
        worst and best possible score (comparable across motifs);
        ``"presence"``: ``1.0`` where the relative score is ``>= threshold``.
    threshold : float
        Relative-score cut for ``kind="presence"``.
    last : int, optional
        Scan only the last ``last`` bases (those next to the start codon).
    max_bytes : int
        Memory budget of one scanning chunk (sets the scanner's ``chunk_rows``).

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(G, M)``.
    """
    codes = np.asarray(promoter_codes)
    if codes.dtype.kind in "SU":
        codes = to_codes(codes)
    codes = check_codes(codes, ndim=(2,), name="promoter_codes")
    if kind not in ("relative", "score", "presence"):
        raise ValueError(f"kind must be 'relative', 'score' or 'presence', got {kind!r}")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold is a relative score in [0, 1], got {threshold}")
    if last is not None:
        if not 0 < last <= codes.shape[1]:
            raise ValueError(f"last must be in 1..{codes.shape[1]} (the promoter length), got {last}")
        codes = codes[:, codes.shape[1] - last:]
    scanner = MotifScanner(motifs)
    too_wide = [m.name for m in scanner.motifs if m.width > codes.shape[1]]
    if too_wide:
        raise ValueError(f"motifs wider than the scanned length {codes.shape[1]}: {too_wide[:5]}")
    # per chunk row: scores (2 strands x M x L) and windows (L x width x 5), float32
    per_row = 4 * codes.shape[1] * (2 * len(scanner.motifs) + 5 * scanner.max_width)
    best, _, _ = scanner.scan(codes, chunk_rows=max(1, int(max_bytes // per_row)))
    if kind == "score":
        return best.astype(np.float32)
    rel = scanner.relative(best.astype(np.float64))
    if kind == "relative":
        return rel.astype(np.float32)
    return (rel >= threshold).astype(np.float32)


# --------------------------------------------------------------------------- boosted trees


class BoostedTreeBaseline:
    """Histogram gradient boosting over [promoter motif features] + [condition regulator states].

    Parameters
    ----------
    kind : {"classes", "regression"}
        ``HistGradientBoostingClassifier`` on classes ``0/1/2`` or
        ``HistGradientBoostingRegressor`` on values.
    max_cells : int
        At most this many training cells (a seeded sample) are used to fit.
    seed : int
        Seeds the cell sample and the booster (its early-stopping split).
    block_bytes : int
        Memory budget of one block of cell features at prediction time.
    n_threads : int, optional
        OpenMP threads of the booster (default: scikit-learn's choice, every
        core). On a shared, busy machine 1 can be several times faster than
        an oversubscribed default.
    **params
        Passed to the scikit-learn estimator (``max_iter``, ``learning_rate``,
        ``max_leaf_nodes``, ``early_stopping``...).
    """

    def __init__(self, kind: str = "classes", *, max_cells: int = 100_000, seed: int = 0,
                 block_bytes: int = 64 * 2**20, n_threads: int | None = None, **params) -> None:
        if kind not in ("classes", "regression"):
            raise ValueError(f"kind must be 'classes' or 'regression', got {kind!r}")
        if max_cells < 1:
            raise ValueError(f"max_cells must be positive, got {max_cells}")
        self.kind, self.max_cells, self.seed, self.block_bytes = kind, int(max_cells), int(seed), int(block_bytes)
        self.n_threads = None if n_threads is None else int(n_threads)
        self.params = params

    def _threads(self):
        from threadpoolctl import threadpool_limits

        return threadpool_limits(self.n_threads, user_api="openmp")

    @staticmethod
    def _features(gene_features, condition_features, rows, cols) -> np.ndarray:
        return np.concatenate([gene_features[rows], condition_features[cols]], axis=1)

    def _inputs(self, gene_features, condition_features) -> tuple[np.ndarray, np.ndarray]:
        gf = np.asarray(gene_features, dtype=np.float32)
        cf = np.asarray(condition_features, dtype=np.float32)
        if gf.ndim != 2 or cf.ndim != 2:
            raise ValueError(f"gene_features (G, M) and condition_features (C, R) must be 2-D, "
                             f"got {gf.shape} and {cf.shape}")
        return gf, cf

    def fit(self, gene_features: np.ndarray, condition_features: np.ndarray, targets: np.ndarray,
            train_mask: np.ndarray) -> BoostedTreeBaseline:
        """Fit on a seeded sample of the training cells that have a target.

        Parameters
        ----------
        gene_features : numpy.ndarray
            ``(G, M)`` per promoter, e.g. :func:`motif_hits`.
        condition_features : numpy.ndarray
            ``(C, R)`` per condition, e.g. the regulator states transposed.
        targets : numpy.ndarray
            ``(G, C)``: classes (``-1`` missing) or values (NaN missing).
        train_mask : numpy.ndarray
            ``(G, C)`` bool.
        """
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        gf, cf = self._inputs(gene_features, condition_features)
        if self.kind == "classes":
            y = _classes(targets, "targets")
            valid = y >= 0
        else:
            y = _cells(targets, "targets").astype(np.float64)
            valid = np.isfinite(y)
        if y.shape != (gf.shape[0], cf.shape[0]):
            raise ValueError(f"targets has shape {y.shape}, expected (genes, conditions) = "
                             f"({gf.shape[0]}, {cf.shape[0]}) from the feature matrices")
        cells = np.flatnonzero(_mask(train_mask, y.shape) & valid)
        if cells.size == 0:
            raise ValueError("train_mask selects no cell with a target")
        rng = np.random.default_rng(self.seed)
        if cells.size > self.max_cells:
            cells = np.sort(rng.choice(cells, self.max_cells, replace=False))
        rows, cols = np.divmod(cells, y.shape[1])
        estimator = HistGradientBoostingClassifier if self.kind == "classes" else HistGradientBoostingRegressor
        self.model_ = estimator(random_state=self.seed, **self.params)
        with self._threads():
            self.model_.fit(self._features(gf, cf, rows, cols), y.ravel()[cells])
        self.n_train_cells_ = int(cells.size)
        self.shape_ = y.shape
        self._gene_features, self._condition_features = gf, cf
        return self

    def _resolve(self, gene_features, condition_features) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(self, "model_"):
            raise ValueError("BoostedTreeBaseline is not fitted: call fit(...) first")
        gf, cf = self._inputs(self._gene_features if gene_features is None else gene_features,
                              self._condition_features if condition_features is None else condition_features)
        if gf.shape[1] != self._gene_features.shape[1] or cf.shape[1] != self._condition_features.shape[1]:
            raise ValueError(f"feature widths {gf.shape[1]} + {cf.shape[1]} differ from the fitted "
                             f"{self._gene_features.shape[1]} + {self._condition_features.shape[1]}")
        return gf, cf

    def _blocks(self, gf, cf, cells):
        """``(flat cell indices, features)`` blocks of at most ``block_bytes`` of features."""
        shape = (gf.shape[0], cf.shape[0])
        idx = np.arange(shape[0] * shape[1]) if cells is None else np.flatnonzero(_mask(cells, shape, "cells"))
        block = max(1, self.block_bytes // (4 * (gf.shape[1] + cf.shape[1])))
        for lo in range(0, idx.size, block):
            part = idx[lo:lo + block]
            rows, cols = np.divmod(part, shape[1])
            yield part, self._features(gf, cf, rows, cols)

    def predict(self, gene_features: np.ndarray | None = None, condition_features: np.ndarray | None = None,
                cells: np.ndarray | None = None) -> np.ndarray:
        """Predict every cell (or the ``cells`` mask only), block by block.

        Parameters
        ----------
        gene_features, condition_features : numpy.ndarray, optional
            Default: the matrices seen by :meth:`fit`.
        cells : numpy.ndarray, optional
            ``(G, C)`` bool: predict these cells only (the rest are ``-1`` / NaN).

        Returns
        -------
        numpy.ndarray
            ``(G, C)``: ``int8`` classes or ``float64`` values.
        """
        gf, cf = self._resolve(gene_features, condition_features)
        shape = (gf.shape[0], cf.shape[0])
        out = np.full(shape, -1, dtype=np.int8) if self.kind == "classes" else np.full(shape, np.nan)
        with self._threads():
            for part, x in self._blocks(gf, cf, cells):
                out.ravel()[part] = self.model_.predict(x)
        return out

    def predict_proba(self, gene_features: np.ndarray | None = None, condition_features: np.ndarray | None = None,
                      cells: np.ndarray | None = None) -> np.ndarray:
        """``(G, C, 3)`` class probabilities (classes mode; NaN outside ``cells``)."""
        if self.kind != "classes":
            raise ValueError("predict_proba needs kind='classes'")
        gf, cf = self._resolve(gene_features, condition_features)
        out = np.full((gf.shape[0], cf.shape[0], _N_CLASSES), np.nan)
        with self._threads():
            for part, x in self._blocks(gf, cf, cells):
                proba = np.zeros((part.size, _N_CLASSES))
                proba[:, self.model_.classes_.astype(int)] = self.model_.predict_proba(x)
                out.reshape(-1, _N_CLASSES)[part] = proba
        return out


# --------------------------------------------------------------------------- scores


def expression_scores(y_true: np.ndarray, y_pred: np.ndarray, mask: np.ndarray, kind: str) -> dict:
    """Scores over the masked cells that have a truth (NaN / ``-1`` cells are skipped).

    Parameters
    ----------
    y_true, y_pred : numpy.ndarray
        ``(G, C)`` values (regression) or classes ``0/1/2`` (classes).
    mask : numpy.ndarray
        ``(G, C)`` bool, e.g. the test cells of a split.
    kind : {"regression", "classes"}

    Returns
    -------
    dict
        regression: ``mse``, ``pearson_r``, ``n``;
        classes: ``accuracy``, ``balanced_accuracy`` (mean recall over the
        classes present in the truth, as scikit-learn), ``macro_f1`` (over
        the three classes), ``per_class_recall``, ``confusion`` (``(3, 3)``
        ``int64`` counts, rows true, columns predicted, in ``CLASS_NAMES``
        order) and ``n``.
    """
    yt, yp = _cells(y_true, "y_true"), _cells(y_pred, "y_pred")
    if yt.shape != yp.shape:
        raise ValueError(f"y_true {yt.shape} and y_pred {yp.shape} must have the same shape")
    m = _mask(mask, yt.shape, "mask")
    if kind == "regression":
        t, p = yt.astype(np.float64), yp.astype(np.float64)
        keep = m & np.isfinite(t)
        if not np.isfinite(p[keep]).all():
            raise ValueError("y_pred is NaN or infinite in masked cells that have a truth")
        t, p = t[keep], p[keep]
        if t.size < 2:
            raise ValueError(f"need at least 2 masked cells with a truth, got {t.size}")
        r = float(np.corrcoef(t, p)[0, 1]) if t.std() > 0 and p.std() > 0 else float("nan")
        return {"mse": float(np.mean((t - p) ** 2)), "pearson_r": r, "n": int(t.size)}
    if kind != "classes":
        raise ValueError(f"kind must be 'regression' or 'classes', got {kind!r}")
    t, p = _classes(yt, "y_true"), _classes(yp, "y_pred")
    keep = m & (t >= 0)
    if (p[keep] < 0).any():
        raise ValueError("y_pred is -1 (no prediction) in masked cells that have a truth")
    t, p = t[keep].astype(np.int64), p[keep].astype(np.int64)
    if t.size == 0:
        raise ValueError("mask selects no cell with a class")
    base = multiclass_scores(t, p, labels=list(range(_N_CLASSES)))
    present = np.bincount(t, minlength=_N_CLASSES) > 0
    recall = np.array([base["per_class"][k] for k in range(_N_CLASSES)])
    confusion = np.bincount(_N_CLASSES * t + p, minlength=_N_CLASSES**2).reshape(_N_CLASSES, _N_CLASSES)
    return {"accuracy": base["accuracy"], "balanced_accuracy": float(recall[present].mean()),
            "macro_f1": base["macro_f1"], "per_class_recall": dict(zip(CLASS_NAMES, map(float, recall))),
            "confusion": confusion, "n": int(t.size)}
