"""The k-mer logistic-regression baseline of the 919-task chromatin problem.

Zhang & Kamath (section 4.3) map each sequence to the counts of every k-mer,
k = 1..5 (4 + 16 + 64 + 256 + 1024 = 1364 features, :func:`genomenb.kmers.kmer_features`)
and fit one L2-regularised logistic regression per task with scikit-learn,
regularisation constant 1e-6. 919 separate fits on 80,000 x 1364 features
take hours, so :class:`MultiTaskLogistic` fits all tasks at once: the tasks
share the feature matrix, and the sum of the per-task objectives

``sum_t [ sum_i log(1 + exp(-s_it z_it)) + (l2 / 2) ||w_t||^2 ]``,
``z_it = x_i . w_t + b_t`` (``s = +-1`` the label),

has one gradient that costs two matrix products for all tasks together. It is
minimised with L-BFGS (SciPy) over the flattened ``(1364 + 1) x 919``
parameters. Each task's optimum is exactly what a separate fit would find:
the tasks do not interact, only the optimiser's steps are shared.

Conventions (and how they map to scikit-learn)
    * ``l2`` is the weight of ``||w||^2 / 2`` against the *summed* log-loss, so
      ``LogisticRegression(C=1 / l2)`` minimises the same function per task
      (the intercept is not penalised, as with the lbfgs solver). The paper's
      "regularization constant ... 1e-6" is read as this weight, i.e. very
      weak regularisation (scikit-learn's ``C = 1e6``).
    * Features are standardised (zero mean, unit variance on the training
      set); the penalty applies to weights on that scale.
    * To make L-BFGS converge in tens rather than thousands of steps, the
      optimisation runs in whitened coordinates (principal components scaled
      to unit variance; the k-mer counts are strongly collinear, e.g. each
      block of k-mer counts sums to ``L - k + 1``), with each task's
      parameters scaled by its label curvature ``pi (1 - pi)``. This is a
      change of variables, not of the model: the penalty is carried over
      exactly, and directions in which the standardised features have (almost)
      no variance (eigenvalue below ``1e-7`` of the largest) are dropped, which
      sets the weights along them to 0 -- where the penalty puts them anyway.

:func:`integer_code_features` and :func:`positional_onehot_features` are the
two other encodings the chapter compares: the paper's first attempt (bases as
the numbers 0-3, which a linear model cannot use) and one-hot by position
(which cannot find a motif that moves).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from genomenb.encode import one_hot
from genomenb.kmers import kmer_features

__all__ = [
    "MultiTaskLogistic",
    "kmer_count_features",
    "integer_code_features",
    "positional_onehot_features",
    "FEATURE_SETS",
]


def kmer_count_features(codes: np.ndarray, k_max: int = 5) -> np.ndarray:
    """k-mer counts, k = 1..k_max: ``float32`` ``(N, 1364)`` for ``k_max = 5``."""
    return kmer_features(codes, k_max=k_max, k_min=1)


def integer_code_features(codes: np.ndarray) -> np.ndarray:
    """The bases themselves as numbers A=0 C=1 G=2 T=3 (N=4): ``float32`` ``(N, L)``.

    A linear model on these features scores a sequence as a weighted sum of
    code values, which imposes the order A < C < G < T: a G counts as two Cs.
    """
    return np.asarray(codes, dtype=np.float32)


def positional_onehot_features(codes: np.ndarray) -> np.ndarray:
    """One-hot bases, position by position: ``float32`` ``(N, 4 L)``."""
    codes = np.asarray(codes)
    return one_hot(codes).reshape(codes.shape[0], -1)


#: Encodings compared in the chapter, by name.
FEATURE_SETS = {"kmer": kmer_count_features, "integer": integer_code_features,
                "onehot_position": positional_onehot_features}


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


@dataclass
class FitReport:
    """How an optimisation went.

    ``history`` holds ``(seconds since the fit started, objective)`` after every
    iteration; the objective is the summed per-task loss divided by ``N``.
    """

    iterations: int
    evaluations: int
    seconds: float
    converged: bool
    message: str
    loss: float
    history: list[tuple[float, float]] = field(default_factory=list)


class MultiTaskLogistic:
    """One L2-regularised logistic regression per task, fitted jointly (see the module docstring).

    Parameters
    ----------
    l2 : float, default 1e-6
        Weight of ``||w_t||^2 / 2`` against each task's summed log-loss
        (scikit-learn: ``C = 1 / l2``).
    max_iter : int, default 100
        L-BFGS iterations (scikit-learn's default for its lbfgs solver).
    tol : float, default 1e-6
        Stop when the objective changes by less than this, relative.
    chunk_rows : int, default 16384
        Rows per matrix product (bounds the working memory).
    eig_floor : float, default 1e-7
        Relative eigenvalue below which a whitened direction is dropped.

    Attributes
    ----------
    coef_ : numpy.ndarray
        ``float64`` ``(D, T)`` weights on the *raw* features.
    intercept_ : numpy.ndarray
        ``float64`` ``(T,)``.
    report_ : FitReport
    """

    def __init__(self, l2: float = 1e-6, max_iter: int = 100, tol: float = 1e-6, chunk_rows: int = 16384,
                 eig_floor: float = 1e-7) -> None:
        if l2 < 0:
            raise ValueError("l2 must be >= 0")
        self.l2, self.max_iter, self.tol = float(l2), int(max_iter), float(tol)
        self.chunk_rows, self.eig_floor = int(chunk_rows), float(eig_floor)

    # -- the change of variables

    def _whitening(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mean, scale, projection ``(D, r)`` and eigenvalues ``(r,)`` of the standardised features."""
        n = x.shape[0]
        mean = x.mean(axis=0, dtype=np.float64)
        scale = x.std(axis=0, dtype=np.float64)
        scale[scale == 0] = 1.0  # constant features: weight stays 0
        gram = np.zeros((x.shape[1], x.shape[1]))
        for lo in range(0, n, self.chunk_rows):
            part = (x[lo:lo + self.chunk_rows] - mean) / scale
            gram += part.T @ part
        eigval, eigvec = np.linalg.eigh(gram / n)
        keep = eigval > self.eig_floor * eigval.max()
        eigval, eigvec = eigval[keep], eigvec[:, keep]
        return mean, scale, eigvec / np.sqrt(eigval), eigval

    def fit(self, x: np.ndarray, y: np.ndarray) -> MultiTaskLogistic:
        """Fit every task.

        Parameters
        ----------
        x : numpy.ndarray
            ``(N, D)`` features (any real dtype; used as ``float32``).
        y : numpy.ndarray
            ``(N, T)`` 0/1 labels. A task whose training labels are all equal
            gets zero weights and an intercept of -/+ 30 (probability ~0 or ~1).
        """
        from scipy.optimize import minimize

        start = time.perf_counter()
        x = np.asarray(x, dtype=np.float32)
        y = np.asarray(y)
        if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
            raise ValueError(f"x must be (N, D) and y (N, T) with the same N; got {x.shape} and {y.shape}")
        n, n_tasks = y.shape
        mean, scale, proj, eigval = self._whitening(x)
        z = np.empty((n, proj.shape[1]), dtype=np.float32)
        proj32 = proj.astype(np.float32)
        for lo in range(0, n, self.chunk_rows):
            z[lo:lo + self.chunk_rows] = ((x[lo:lo + self.chunk_rows] - mean) / scale).astype(np.float32) @ proj32
        rate = y.mean(axis=0, dtype=np.float64)
        active = (rate > 0) & (rate < 1)
        ya = np.ascontiguousarray(y[:, active], dtype=np.float32)
        rate_a = rate[active]
        # per-task parameter scaling: the Hessian of the loss in whitened coordinates is about pi (1 - pi) I
        curvature = np.sqrt(rate_a * (1 - rate_a))
        r, t = proj.shape[1], int(active.sum())
        b0 = np.log(rate_a / (1 - rate_a))

        def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            v = theta.reshape(r + 1, t)
            return v[:r] / curvature, v[r] / curvature + b0

        # work buffers, reused by every evaluation (fresh 60 MB arrays per chunk would cost page faults)
        rows = min(self.chunk_rows, n)
        s_buf, e_buf, tmp_buf = (np.empty((rows, t), dtype=np.float32) for _ in range(3))

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            u, b = unpack(theta)
            u32 = u.astype(np.float32)
            b32 = b.astype(np.float32)
            loss = 0.0
            grad_u = np.zeros((r, t))
            grad_b = np.zeros(t)
            for lo in range(0, n, self.chunk_rows):
                zc = z[lo:lo + self.chunk_rows]
                yc = ya[lo:lo + self.chunk_rows]
                m = zc.shape[0]
                s, e, tmp = s_buf[:m], e_buf[:m], tmp_buf[:m]
                np.matmul(zc, u32, out=s)
                s += b32
                # log-loss = max(s, 0) + log(1 + exp(-|s|)) - y s, from one exp
                np.abs(s, out=e)
                np.negative(e, out=e)
                np.exp(e, out=e)
                np.maximum(s, 0, out=tmp)
                loss += float(tmp.sum(dtype=np.float64))
                np.log1p(e, out=tmp)
                loss += float(tmp.sum(dtype=np.float64))
                np.multiply(yc, s, out=tmp)
                loss -= float(tmp.sum(dtype=np.float64))
                # sigmoid(s) - y = 1 / (1 + e) for s >= 0, e / (1 + e) otherwise
                np.add(e, 1.0, out=tmp)
                np.reciprocal(tmp, out=tmp)
                np.multiply(e, tmp, out=e, where=s < 0)
                np.copyto(e, tmp, where=s >= 0)
                e -= yc
                grad_u += zc.T @ e
                grad_b += e.sum(axis=0, dtype=np.float64)
            loss += 0.5 * self.l2 * float((u * u / eigval[:, None]).sum())
            grad_u += self.l2 * u / eigval[:, None]
            grad = np.vstack([grad_u / curvature, grad_b / curvature])  # chain rule of the scaling
            return loss / n, grad.ravel() / n

        theta0 = np.zeros((r + 1) * t)
        history: list[tuple[float, float]] = []

        def record(intermediate_result) -> None:
            history.append((time.perf_counter() - start, float(intermediate_result.fun)))

        with np.errstate(over="ignore"):
            result = minimize(objective, theta0, jac=True, method="L-BFGS-B", callback=record,
                              options={"maxiter": self.max_iter, "ftol": self.tol, "gtol": 1e-8, "maxcor": 10})
        u, b = unpack(result.x)
        coef_std = proj @ u  # weights on standardised features
        self.coef_ = np.zeros((x.shape[1], n_tasks))
        self.coef_[:, active] = coef_std / scale[:, None]
        self.intercept_ = np.where(rate >= 1, 30.0, -30.0).astype(np.float64)
        self.intercept_[active] = b - (mean / scale) @ coef_std
        self.n_features_in_ = x.shape[1]
        self.report_ = FitReport(int(result.nit), int(result.nfev), time.perf_counter() - start,
                                 bool(result.success), str(result.message), float(result.fun), history)
        return self

    # -- prediction

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        """Logits ``(N, T)`` ``float32``."""
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.n_features_in_:
            raise ValueError(f"x must be (N, {self.n_features_in_}), got {x.shape}")
        return (x @ self.coef_.astype(np.float32)) + self.intercept_.astype(np.float32)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Probabilities of the positive class ``(N, T)`` ``float32``."""
        s = self.decision_function(x)
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-s))


# --------------------------------------------------------------------------- one set at a time, L2 chosen per set

__all__ += ["PerSetLogistic", "fit_per_set_logistic"]


@dataclass
class PerSetLogistic:
    """Logistic regressions fitted set by set on a masked multitask problem.

    Attributes
    ----------
    scores : dict of str to numpy.ndarray
        Split -> ``float32`` ``(N, T)`` decision values (log-odds); each row
        holds its own set's value, the other columns are 0.
    l2 : numpy.ndarray
        ``(T,)`` the L2 weight chosen for each set on validation AUROC.
    seconds : float
        Wall time of all the fits.
    """

    scores: dict
    l2: np.ndarray
    seconds: float


def fit_per_set_logistic(features: dict, labels: dict, task: dict, *, l2_grid, max_iter: int = 100,
                         columns: slice | np.ndarray | None = None) -> PerSetLogistic:
    """One scikit-learn logistic regression per set, each on its own set's sequences only.

    For sets too small for :class:`MultiTaskLogistic`'s shared, nearly
    unpenalised fit (a few hundred sequences against 1,364 k-mer counts): every
    L2 weight of ``l2_grid`` is fitted on the set's training rows (standardised
    features, ``LogisticRegression(C=1 / l2)``, at most ``max_iter`` lbfgs
    iterations, convergence warnings silenced: the cap is part of the recipe),
    and the one with the best AUROC on the set's validation rows is kept.

    Parameters
    ----------
    features : dict of str to numpy.ndarray
        Split (``"train"``, ``"valid"``, ``"test"``) -> ``(N, F)`` features,
        e.g. :func:`kmer_count_features`.
    labels : dict of str to numpy.ndarray
        Split -> ``(N, T)`` labels; a row's own set holds 0/1, others -1
        (:class:`genomenb.data.tfbs.MaskedTasks`).
    task : dict of str to numpy.ndarray
        Split -> ``(N,)`` the set of each row.
    l2_grid : sequence of float
        L2 weights tried per set (``> 0``).
    max_iter : int, default 100
    columns : slice or index array, optional
        Feature columns to use (e.g. ``slice(0, 20)`` for the 1- and 2-mers).

    Returns
    -------
    PerSetLogistic
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from genomenb.metrics import roc_auc_per_task

    grid = [float(v) for v in l2_grid]
    if not grid or min(grid) <= 0:
        raise ValueError(f"l2_grid must hold positive weights, got {l2_grid!r}")
    for split in ("train", "valid", "test"):
        if split not in features or split not in labels or split not in task:
            raise ValueError(f"features, labels and task need a {split!r} split")
    cols = slice(None) if columns is None else columns
    n_tasks = labels["train"].shape[1]
    scores = {split: np.zeros(labels[split].shape, dtype=np.float32) for split in ("train", "valid", "test")}
    chosen = np.zeros(n_tasks)
    start = time.perf_counter()
    for t in range(n_tasks):
        own = {split: task[split] == t for split in scores}
        x = {split: features[split][own[split]][:, cols] for split in scores}
        y_train = labels["train"][own["train"], t]
        y_valid = labels["valid"][own["valid"], t]
        if len(np.unique(y_train)) < 2:
            raise ValueError(f"set {t} has training labels of one class only")
        fits, aucs = [], []
        for l2 in grid:
            model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0 / l2, max_iter=max_iter))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(x["train"], y_train)
            fits.append(model)
            aucs.append(roc_auc_per_task(y_valid, model.decision_function(x["valid"]))[0] if len(y_valid) else np.nan)
        best = int(np.nanargmax(aucs)) if np.isfinite(aucs).any() else 0
        chosen[t] = grid[best]
        for split in scores:
            if own[split].any():
                scores[split][own[split], t] = fits[best].decision_function(x[split])
    return PerSetLogistic(scores, chosen, time.perf_counter() - start)
