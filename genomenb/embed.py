"""Gene embeddings from a language model's hidden states (the seed paper's section 4), and simpler rivals.

The paper runs genes through a character-level RNN, collects the last hidden
layer's activation at every base, maps all those points to 2-D with t-SNE,
fits a 100-component Gaussian mixture to the 2-D points and describes each
gene by its *occupancy vector*: the mean posterior responsibility of its
bases in each component (eq. 4). Here that pipeline is measured against two
simpler representations, the mean hidden state of a gene and its 5-gram
frequency vector, by how well each separates functional classes.

Who does what
    Hidden states: :func:`genomenb.predict.layer_outputs` (the package's one
    forward pass), whole genes of any length, bucketed and right-padded.
    t-SNE: **openTSNE** (:class:`openTSNE.TSNE`), fitted on a seeded subsample
    of the points after a PCA (scikit-learn), the other points placed into
    that map with ``TSNEEmbedding.transform``; neighbours are exact
    (scikit-learn brute force), so every step is deterministic for a seed.
    Mixture, k-NN, silhouette: **scikit-learn** (``GaussianMixture`` with
    ``covariance_type="full"``, one covariance matrix per component as in the
    paper; ``KNeighborsClassifier`` under ``RepeatedStratifiedKFold``;
    ``silhouette_score``). k-mers: :func:`genomenb.kmers.kmer_counts`.
Distances
    Class separation uses the Euclidean distance between z-scored features
    (each feature centred and scaled to unit variance, the scaler fitted on
    the training folds only); pass ``scale=False`` for raw features.
Memory
    The hidden states of every base are held at once: ``sum(L) * units * 4``
    bytes (300 genes of ~900 bases x 128 units: 140 MB). For more genes,
    keep every ``step``-th position (:func:`gene_hidden_states`) or embed a
    sample of genes; the mean state is always taken over every base.

Keras is imported inside the functions that need it only.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
import pandas as pd

from genomenb import encode, kmers, predict

if TYPE_CHECKING:  # imported for the annotations only: keras loads with predict, at run time
    import keras

__all__ = ["CLASS_RULES", "OTHER", "functional_classes", "class_counts", "sample_per_class",
           "variable_length_model", "hidden_layer", "HiddenStates", "gene_hidden_states", "PointMap",
           "tsne_points", "fit_mixture", "occupancy", "kmer_frequencies", "knn_accuracy", "class_separation",
           "gene_map", "GeneEmbedding", "embed_genes"]

#: Functional classes of E. coli genes from their GFF ``product``: ``(class, regex)``, the first match wins.
#: Ribosomal proteins must be the whole product ("50S ribosomal subunit protein L2"), which leaves out
#: ribosome-associated factors; tRNA synthetases are the "<amino acid>--tRNA ligase" products; the other
#: rules match anywhere, case-insensitive ("transporter" but not "electron transport").
CLASS_RULES: tuple[tuple[str, str], ...] = (
    ("ribosomal protein", r"^(?:30S|50S) ribosomal (?:subunit )?protein [LS]\d+[A-Z]?$"),
    ("tRNA synthetase", r"(?i)-tRNA ligase\b|tRNA synthetase"),
    ("flagellar/motility", r"(?i)flagell|motility|chemotaxis|\bmotor protein"),
    ("transcriptional regulator", r"(?i)transcriptional (?:dual )?(?:regulator|repressor|activator)"
                                  r"|DNA-binding transcriptional"),
    ("transporter", r"(?i)transporter|permease|symporter|antiporter|uniporter|\bporin\b|\bchannel\b|efflux"
                    r"|exporter|importer|\bPTS\b"),
)
#: The class of products no rule matches; left out of the separation scores.
OTHER = "other"


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _n_jobs(n_jobs: int | None) -> int:
    return int(n_jobs) if n_jobs is not None else max(1, os.cpu_count() or 1)


# --------------------------------------------------------------------------- functional classes


def functional_classes(products: Sequence[str | None] | pd.Series,
                       rules: Sequence[tuple[str, str]] = CLASS_RULES) -> np.ndarray:
    """The functional class of each gene from its product string (:data:`CLASS_RULES`, first match wins).

    Parameters
    ----------
    products : sequence of str or None
        GFF ``product`` values (``read_gff3(...)["product"]``); a missing one is :data:`OTHER`.
    rules : sequence of (str, str)
        ``(class, regex)`` pairs tried in order.

    Returns
    -------
    numpy.ndarray
        ``object`` array of class names, :data:`OTHER` where no rule matches.
    """
    compiled = [(name, re.compile(pattern)) for name, pattern in rules]
    out = np.full(len(products), OTHER, dtype=object)
    for i, product in enumerate(products):
        text = product if isinstance(product, str) else ""
        out[i] = next((name for name, rx in compiled if rx.search(text)), OTHER)
    return out


def class_counts(classes: Sequence[str] | np.ndarray) -> pd.DataFrame:
    """Genes per class, largest first (:data:`OTHER` last), with a ``used`` flag (False for :data:`OTHER`)."""
    counts = pd.Series(np.asarray(classes, dtype=object)).value_counts()
    order = [c for c in counts.index if c != OTHER] + [c for c in counts.index if c == OTHER]
    table = pd.DataFrame({"class": order, "genes": [int(counts[c]) for c in order]})
    table["used"] = table["class"] != OTHER
    return table


def sample_per_class(classes: Sequence[str] | np.ndarray, max_per_class: int, *, seed: int = 0,
                     include_other: int = 0) -> np.ndarray:
    """Sorted row indices of at most ``max_per_class`` genes of every class (a seeded sample).

    ``include_other`` adds that many :data:`OTHER` genes (they shape the map
    but are left out of the scores). Balanced classes keep the chance rate of
    the k-NN accuracy low and every class visible in the figures.
    """
    max_per_class = _positive_int(max_per_class, "max_per_class")
    labels = np.asarray(classes, dtype=object)
    rng = np.random.default_rng(seed)
    picked = []
    for name in sorted(set(labels.tolist())):
        rows = np.flatnonzero(labels == name)
        take = include_other if name == OTHER else max_per_class
        if take > 0:
            picked.append(rng.choice(rows, min(take, len(rows)), replace=False))
    return np.sort(np.concatenate(picked)) if picked else np.zeros(0, dtype=np.int64)


# --------------------------------------------------------------------------- hidden states


def variable_length_model(model: keras.Model) -> keras.Model:
    """``model`` itself if its input accepts any length, else a copy that does, with the same weights.

    The copy is rebuilt from the model's configuration with the input's
    length set to ``None`` (e.g. a language model built with
    ``build_char_lm(config, seq_len=50)``); recurrent layers do not depend on
    the length, so the weights carry over unchanged.
    """
    shape = tuple(model.input_shape)
    if len(shape) != 2:
        raise ValueError(f"expected a model reading integer codes (batch, length); its input shape is {shape}")
    if shape[1] is None:
        return model
    config = model.get_config()
    inputs = [layer for layer in config.get("layers", []) if layer.get("class_name") == "InputLayer"]
    if len(inputs) != 1:
        raise ValueError("cannot rebuild the model with a variable length: expected one InputLayer in its config")
    inputs[0]["config"]["batch_shape"] = [None, None]
    copy = model.__class__.from_config(config)
    copy.set_weights(model.get_weights())
    return copy


def hidden_layer(model: keras.Model) -> str:
    """Name of the last layer before the output that keeps the sequence axis and is not a dropout."""
    candidates = [layer.name for layer in model.layers[:-1]
                  if type(layer).__name__ not in ("InputLayer", "Dropout", "Embedding")
                  and len(layer.output.shape) == 3]
    if not candidates:
        raise ValueError(f"no hidden layer with a sequence axis among {[layer.name for layer in model.layers]}")
    return candidates[-1]


def _as_code_list(sequences: Sequence, name: str = "sequences") -> list[np.ndarray]:
    """Each sequence (bytes, str or 1-D codes) as 1-D uint8 codes; an error for an empty list or sequence."""
    if isinstance(sequences, (str, bytes, np.ndarray)) or not len(sequences):
        raise ValueError(f"{name} must be a non-empty list of sequences (bytes, str or 1-D code arrays)")
    out = []
    for i, s in enumerate(sequences):
        codes = encode.to_codes(s) if isinstance(s, (str, bytes, bytearray)) else \
            encode.check_codes(s, ndim=(1,), name=f"{name}[{i}]")
        if codes.ndim != 1 or codes.size == 0:
            raise ValueError(f"{name}[{i}] must be one non-empty sequence, got shape {codes.shape}")
        out.append(codes)
    return out


@dataclass(frozen=True)
class HiddenStates:
    """Hidden states of a set of sequences, all points in one array.

    ``points`` ``float32 (P, units)``: the kept positions of every sequence,
    sequence after sequence; ``owner`` ``int32 (P,)``: the sequence of each
    point; ``mean`` ``float32 (n, units)``: each sequence's mean state over
    *all* its positions; ``lengths`` ``int64 (n,)``; ``layer``: the layer's name.
    """

    points: np.ndarray
    owner: np.ndarray
    mean: np.ndarray
    lengths: np.ndarray
    layer: str

    @property
    def n_sequences(self) -> int:
        """Number of sequences."""
        return len(self.lengths)


def gene_hidden_states(model: keras.Model, sequences: Sequence, layer: str | None = None, *, step: int = 1,
                       batch_size: int = 32, chunk: int = 256) -> HiddenStates:
    """:class:`HiddenStates`: activations of ``layer`` at every ``step``-th base of every sequence.

    ``model`` is a language model reading codes (a fixed-length one is
    rebuilt by :func:`variable_length_model`); ``sequences`` are whole genes
    (bytes, str or 1-D codes, any lengths, 5' to 3'); ``layer`` defaults to
    :func:`hidden_layer` (the last recurrent layer). ``step`` keeps positions
    ``0, step, 2 step, ...`` (1: every base, as in the paper; the mean state
    uses every base anyway). ``batch_size`` sequences go through each forward
    pass; ``chunk`` sequences are run before their states are thinned, which
    bounds the working memory beyond the result to ``chunk`` genes' states.
    """
    step = _positive_int(step, "step")
    chunk = _positive_int(chunk, "chunk")
    codes = _as_code_list(sequences)
    model = variable_length_model(model)
    layer = layer or hidden_layer(model)
    points, owners, means = [], [], []
    for lo in range(0, len(codes), chunk):
        states = predict.layer_outputs(model, codes[lo:lo + chunk], layer, batch_size=batch_size)
        if states[0].ndim != 2:
            raise ValueError(f"layer {layer!r} gives states of shape {states[0].shape} per sequence; "
                             "expected (length, units)")
        for j, s in enumerate(states):
            means.append(s.mean(axis=0))
            kept = s[::step]
            points.append(kept)
            owners.append(np.full(len(kept), lo + j, dtype=np.int32))
    return HiddenStates(points=np.concatenate(points), owner=np.concatenate(owners),
                        mean=np.stack(means).astype(np.float32),
                        lengths=np.array([len(c) for c in codes], dtype=np.int64), layer=layer)


# --------------------------------------------------------------------------- t-SNE of the points


@dataclass
class PointMap:
    """A t-SNE map of many points: fitted on a subsample, the other points placed into it.

    ``coords`` ``float32 (P, 2)``: every point's position; ``fit_index``: the
    rows the t-SNE was fitted on; ``embedding``: the fitted
    ``openTSNE.TSNEEmbedding``; ``pca``: the scikit-learn PCA applied first
    (or None); ``transform_iter``: optimisation steps of each placed point;
    ``seconds``: wall time of the fit and of the placement.
    """

    coords: np.ndarray
    fit_index: np.ndarray
    embedding: Any
    pca: Any
    transform_iter: int
    seconds: dict = field(default_factory=dict)

    def transform(self, points: np.ndarray, *, chunk: int = 50_000) -> np.ndarray:
        """Place new points (same units as the fitted ones) into the map; ``float32 (M, 2)``.

        Placed points do not interact with each other, so chunks of ``chunk``
        points give the same result as one call, with bounded memory.
        """
        points = _check_points(points, self.pca.n_features_in_ if self.pca is not None else None)
        z = self.pca.transform(points).astype(np.float32) if self.pca is not None else points
        out = np.empty((len(z), 2), dtype=np.float32)
        for lo in range(0, len(z), chunk):
            out[lo:lo + chunk] = self.embedding.transform(z[lo:lo + chunk], n_iter=self.transform_iter,
                                                          early_exaggeration_iter=0)
        return out


def _check_points(points: np.ndarray, dims: int | None = None) -> np.ndarray:
    arr = np.asarray(points, dtype=np.float32)
    if arr.ndim != 2 or (dims is not None and arr.shape[1] != dims):
        want = f"(n, {dims})" if dims is not None else "(n, dims)"
        raise ValueError(f"points must be a 2-D array {want}, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("points hold NaN or infinite values")
    return arr


def tsne_points(points: np.ndarray, *, n_fit: int = 10_000, pca_dims: int | None = 32, perplexity: float = 30.0,
                n_iter: int = 500, early_exaggeration_iter: int = 250, transform_iter: int = 0, seed: int = 0,
                n_jobs: int | None = None) -> PointMap:
    """:class:`PointMap`: 2-D t-SNE (openTSNE) of many points, fitted on a seeded subsample, the rest placed.

    Parameters
    ----------
    points : numpy.ndarray
        ``(P, dims)`` hidden states (:attr:`HiddenStates.points`).
    n_fit : int, default 10000
        Points the map is fitted on (all of them when there are fewer).
    pca_dims : int or None, default 32
        Project onto this many principal components (fitted on the subsample)
        first; ``None`` keeps every dimension. 32 components keep ~97 % of the
        variance of a 128-unit GRU's states and make the neighbour search 4x cheaper.
    perplexity : float, default 30
        t-SNE perplexity of the fit (capped at ``(n_fit - 1) / 3``).
    n_iter, early_exaggeration_iter : int, default 500, 250
        Optimisation steps after and during early exaggeration (openTSNE's defaults).
    transform_iter : int, default 0
        Optimisation steps of each placed point after its initial position,
        the median of its 25 nearest fitted points' positions (openTSNE's
        ``transform``; 0 keeps that position).
    seed : int, default 0
        Seeds the subsample, the PCA and openTSNE.
    n_jobs : int, optional
        Threads; default ``os.cpu_count()`` (on busy cores 1 can be as fast).
    """
    from openTSNE import TSNE
    from sklearn.decomposition import PCA

    n_fit = _positive_int(n_fit, "n_fit")
    arr = _check_points(points)
    if len(arr) < 4:
        raise ValueError(f"t-SNE needs at least 4 points, got {len(arr)}")
    seconds = {}
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    fit_index = np.sort(rng.choice(len(arr), n_fit, replace=False)) if n_fit < len(arr) else np.arange(len(arr))
    pca = None
    if pca_dims is not None and pca_dims < arr.shape[1]:
        pca = PCA(n_components=_positive_int(pca_dims, "pca_dims"), svd_solver="full").fit(arr[fit_index])
    reduce = (lambda a: pca.transform(a).astype(np.float32)) if pca is not None else (lambda a: a)
    tsne = TSNE(perplexity=min(float(perplexity), (len(fit_index) - 1) / 3), n_iter=n_iter,
                early_exaggeration_iter=early_exaggeration_iter, neighbors="exact",
                knn_kwargs={"algorithm": "brute"}, random_state=seed, n_jobs=_n_jobs(n_jobs))
    embedding = tsne.fit(reduce(arr[fit_index]))
    seconds["tsne_fit"] = time.perf_counter() - start
    start = time.perf_counter()
    coords = np.empty((len(arr), 2), dtype=np.float32)
    coords[fit_index] = np.asarray(embedding, dtype=np.float32)
    point_map = PointMap(coords=coords, fit_index=fit_index, embedding=embedding, pca=pca,
                         transform_iter=int(transform_iter), seconds=seconds)
    rest = np.setdiff1d(np.arange(len(arr)), fit_index, assume_unique=True)
    if len(rest):
        coords[rest] = point_map.transform(arr[rest])
    seconds["tsne_transform"] = time.perf_counter() - start
    return point_map


# --------------------------------------------------------------------------- mixture and occupancy


def fit_mixture(coords: np.ndarray, n_components: int = 100, *, max_points: int = 50_000, seed: int = 0,
                covariance_type: str = "full", max_iter: int = 200):
    """A Gaussian mixture (scikit-learn) fitted to (a seeded sample of at most ``max_points``) 2-D points.

    ``covariance_type="full"`` gives every component its own covariance
    matrix, as in the paper. Returns the fitted
    :class:`sklearn.mixture.GaussianMixture`.
    """
    from sklearn.mixture import GaussianMixture

    n_components = _positive_int(n_components, "n_components")
    arr = _check_points(coords, 2)
    if len(arr) < n_components:
        raise ValueError(f"a {n_components}-component mixture needs at least {n_components} points, got {len(arr)}")
    rows = np.random.default_rng(seed).choice(len(arr), min(len(arr), max_points), replace=False)
    return GaussianMixture(n_components=n_components, covariance_type=covariance_type, random_state=seed,
                           max_iter=max_iter).fit(arr[np.sort(rows)])


def occupancy(mixture, coords: np.ndarray, owner: np.ndarray, n_sequences: int | None = None, *,
              chunk: int = 50_000) -> np.ndarray:
    """Each sequence's occupancy vector: the mean posterior responsibility of its points (paper eq. 4).

    ``coords`` ``(P, 2)`` are the points' map positions, ``owner`` ``(P,)``
    their sequence index, ``n_sequences`` the number of sequences (default
    ``owner.max() + 1``; each needs a point); ``predict_proba`` runs on
    ``chunk`` points at a time. Returns ``float32 (n_sequences,
    n_components)``, rows summing to 1.
    """
    arr = _check_points(coords, 2)
    owner = np.asarray(owner)
    if owner.shape != (len(arr),) or owner.dtype.kind not in "iu":
        raise ValueError(f"owner must be an integer array of one entry per point ({len(arr)}), "
                         f"got {owner.dtype} {owner.shape}")
    n = int(owner.max()) + 1 if n_sequences is None else int(n_sequences)
    counts = np.bincount(owner, minlength=n)
    if len(counts) > n or (counts == 0).any():
        raise ValueError(f"every one of the {n} sequences needs at least one point; "
                         f"{int((counts == 0).sum())} have none or owner exceeds n_sequences")
    sums = np.zeros((n, mixture.n_components), dtype=np.float64)
    for lo in range(0, len(arr), chunk):
        proba = mixture.predict_proba(arr[lo:lo + chunk])
        np.add.at(sums, owner[lo:lo + chunk], proba)
    return (sums / counts[:, None]).astype(np.float32)


# --------------------------------------------------------------------------- other representations


def kmer_frequencies(sequences: Sequence, k: int = 5) -> np.ndarray:
    """Each sequence's k-mer frequency vector (counts / number of N-free windows), ``float32 (n, 4**k)``.

    Sequences are right-padded with ``N`` into one array, which
    :func:`genomenb.kmers.kmer_counts` counts in one vectorised pass (windows
    holding an ``N`` are not counted).
    """
    codes = _as_code_list(sequences)
    block = encode.pad_codes(codes, max(len(c) for c in codes), side="post")
    counts = kmers.kmer_counts(block, k).astype(np.float32)
    totals = counts.sum(axis=1, keepdims=True)
    if (totals == 0).any():
        raise ValueError(f"sequence {int(np.argmin(totals))} has no N-free {k}-mer (shorter than {k} bases?)")
    return counts / totals


# --------------------------------------------------------------------------- class separation


def _check_labelled(features: np.ndarray, labels: Sequence[str] | np.ndarray, folds: int) -> tuple:
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=object)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"features must be 2-D with one row per label; got shape {x.shape} and {len(y)} labels")
    if not np.isfinite(x).all():
        raise ValueError("features hold NaN or infinite values")
    names, counts = np.unique(y.astype(str), return_counts=True)
    if len(names) < 2:
        raise ValueError(f"class separation needs at least 2 classes, got {names.tolist()}")
    if counts.min() < folds:
        few = {str(n): int(c) for n, c in zip(names, counts) if c < folds}
        raise ValueError(f"every class needs at least folds={folds} genes for stratified {folds}-fold "
                         f"cross-validation; too few: {few}")
    return x, y.astype(str)


def knn_accuracy(features: np.ndarray, labels: Sequence[str] | np.ndarray, *, k: int = 5, folds: int = 5,
                 repeats: int = 5, seed: int = 0, scale: bool = True) -> dict[str, float]:
    """k-NN classification accuracy of the labels from the features, under repeated stratified k-fold CV.

    ``features`` ``(n, d)`` has one row per gene, ``labels`` its class (at
    least ``folds`` genes per class). The classifier is ``k``-nearest
    neighbours by Euclidean distance on z-scored features (``scale``; the
    scaler is fitted on the training folds), scored on ``folds`` stratified
    folds repeated ``repeats`` times with different splits (seeded by
    ``seed``).

    Returns
    -------
    dict
        ``knn_accuracy_mean`` and ``knn_accuracy_sd`` over the ``folds *
        repeats`` held-out folds; ``shuffled_accuracy``, the mean accuracy
        with the labels shuffled (this classifier's chance level); and
        ``majority_rate``, the largest class's frequency (the chance level of
        always guessing it).
    """
    from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    k, folds, repeats = _positive_int(k, "k"), _positive_int(folds, "folds"), _positive_int(repeats, "repeats")
    if folds < 2:
        raise ValueError("folds must be at least 2")
    x, y = _check_labelled(features, labels, folds)
    splits = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    steps = [StandardScaler()] if scale else []
    clf = make_pipeline(*steps, KNeighborsClassifier(n_neighbors=min(k, len(y) - len(y) // folds - 1)))
    scores = cross_val_score(clf, x, y, cv=splits)
    shuffled = cross_val_score(clf, x, np.random.default_rng(seed).permutation(y), cv=splits)
    _, counts = np.unique(y, return_counts=True)
    return {"knn_accuracy_mean": float(scores.mean()), "knn_accuracy_sd": float(scores.std(ddof=1)),
            "shuffled_accuracy": float(shuffled.mean()), "majority_rate": float(counts.max() / len(y))}


def class_separation(representations: Mapping[str, np.ndarray], labels: Sequence[str] | np.ndarray, *,
                     k: int = 5, folds: int = 5, repeats: int = 5, seed: int = 0, scale: bool = True,
                     exclude: Sequence[str] = (OTHER,)) -> pd.DataFrame:
    """How well each representation separates the classes: k-NN accuracy and silhouette, one row each.

    ``representations`` maps a name to ``(n, d)`` features with rows in the
    order of ``labels`` (e.g. RNN occupancy, mean hidden state, 5-gram
    frequencies); genes whose class is in ``exclude`` are left out. ``k``,
    ``folds``, ``repeats``, ``seed``, ``scale``: see :func:`knn_accuracy`.
    The silhouette (scikit-learn, Euclidean) uses the same standardisation,
    fitted on all the scored genes.

    Returns
    -------
    pandas.DataFrame
        One row per representation: ``representation``, ``genes``,
        ``classes``, ``features``, ``knn_accuracy_mean``, ``knn_accuracy_sd``,
        ``shuffled_accuracy``, ``majority_rate``, ``silhouette``.
    """
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    y = np.asarray(labels, dtype=object)
    keep = ~np.isin(y.astype(str), list(exclude))
    rows = []
    for name, features in representations.items():
        x = np.asarray(features)
        if x.ndim != 2 or len(x) != len(y):
            raise ValueError(f"representation {name!r} has shape {x.shape}; expected one row per label ({len(y)})")
        scores = knn_accuracy(x[keep], y[keep], k=k, folds=folds, repeats=repeats, seed=seed, scale=scale)
        xs, ys = _check_labelled(x[keep], y[keep], 2)
        xs = StandardScaler().fit_transform(xs) if scale else xs
        rows.append({"representation": name, "genes": int(keep.sum()), "classes": len(set(ys.tolist())),
                     "features": x.shape[1], **scores,
                     "silhouette": float(silhouette_score(xs, ys, metric="euclidean"))})
    return pd.DataFrame(rows)


def gene_map(features: np.ndarray, *, perplexity: float = 30.0, seed: int = 0, scale: bool = True,
             n_jobs: int = 1) -> np.ndarray:
    """2-D t-SNE (openTSNE, exact neighbours) of one representation's genes, for the figure; ``float32 (n, 2)``.

    Features are z-scored first when ``scale``; the perplexity is capped at
    ``(n - 1) / 3``. One thread: for a few hundred genes, threads cost more
    than they save (0.7 s against 8 s for 266 genes on two busy cores).
    """
    from openTSNE import TSNE
    from sklearn.preprocessing import StandardScaler

    x = _check_points(features)
    if len(x) < 4:
        raise ValueError(f"a map needs at least 4 genes, got {len(x)}")
    x = StandardScaler().fit_transform(x).astype(np.float32) if scale else x
    tsne = TSNE(perplexity=min(float(perplexity), (len(x) - 1) / 3), neighbors="exact", random_state=seed,
                n_jobs=_n_jobs(n_jobs), initialization="pca" if x.shape[1] >= 2 else "random")
    return np.asarray(tsne.fit(x), dtype=np.float32)


# --------------------------------------------------------------------------- the whole pipeline


@dataclass
class GeneEmbedding:
    """Everything :func:`embed_genes` computed.

    ``states`` (:class:`HiddenStates` of the genes), ``point_map``
    (:class:`PointMap` of their points), ``mixture`` (the fitted
    ``GaussianMixture``), ``occupancy`` ``float32 (genes, components)``; per
    extra set (e.g. "generated", "random"): ``extra_states``,
    ``extra_coords`` (its points placed into the genes' map) and
    ``extra_occupancy``; ``seconds``: wall time of each step.
    """

    states: HiddenStates
    point_map: PointMap
    mixture: Any
    occupancy: np.ndarray
    extra_states: dict = field(default_factory=dict)
    extra_coords: dict = field(default_factory=dict)
    extra_occupancy: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)

    def gene_coords(self, gene: int) -> np.ndarray:
        """Map coordinates of one gene's points, 5' to 3'."""
        return self.point_map.coords[self.states.owner == gene]


def embed_genes(model: keras.Model, sequences: Sequence, *, extra: Mapping[str, Sequence] | None = None,
                layer: str | None = None, step: int = 1, n_fit: int = 10_000, pca_dims: int | None = 32,
                transform_iter: int = 0, n_components: int = 100, mixture_points: int = 50_000,
                batch_size: int = 32, seed: int = 0, n_jobs: int | None = None) -> GeneEmbedding:
    """The paper's gene embedding: hidden states -> t-SNE of all points -> Gaussian mixture -> occupancy.

    ``model`` is a trained language model (any input length, see
    :func:`variable_length_model`), ``sequences`` the genes (bytes, str or
    codes). ``extra`` maps a name to more sequences (e.g. model-generated,
    random) whose points are placed into the genes' map and scored against
    the same mixture. ``layer``, ``step``, ``batch_size``: see
    :func:`gene_hidden_states`; ``n_fit``, ``pca_dims``, ``transform_iter``,
    ``n_jobs``: :func:`tsne_points`; ``n_components``, ``mixture_points``:
    :func:`fit_mixture`; ``seed`` seeds every random step. Returns a
    :class:`GeneEmbedding`.
    """
    seconds = {}
    start = time.perf_counter()
    model = variable_length_model(model)
    states = gene_hidden_states(model, sequences, layer, step=step, batch_size=batch_size)
    seconds["hidden_states"] = time.perf_counter() - start
    point_map = tsne_points(states.points, n_fit=n_fit, pca_dims=pca_dims, transform_iter=transform_iter, seed=seed,
                            n_jobs=n_jobs)
    seconds.update(point_map.seconds)
    start = time.perf_counter()
    mixture = fit_mixture(point_map.coords, n_components, max_points=mixture_points, seed=seed)
    seconds["mixture_fit"] = time.perf_counter() - start
    start = time.perf_counter()
    occ = occupancy(mixture, point_map.coords, states.owner, states.n_sequences)
    seconds["occupancy"] = time.perf_counter() - start
    result = GeneEmbedding(states=states, point_map=point_map, mixture=mixture, occupancy=occ, seconds=seconds)
    start = time.perf_counter()
    for name, seqs in (extra or {}).items():
        st = gene_hidden_states(model, seqs, states.layer, step=step, batch_size=batch_size)
        result.extra_states[name] = st
        result.extra_coords[name] = point_map.transform(st.points)
        result.extra_occupancy[name] = occupancy(mixture, result.extra_coords[name], st.owner, st.n_sequences)
    if extra:
        seconds["extra"] = time.perf_counter() - start
    return result
