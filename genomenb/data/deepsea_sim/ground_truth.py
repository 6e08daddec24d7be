"""DeepSEA-sim's ground truth: ``ground_truth.h5``, written with a bundle and read back for interpretation.

The file holds the configuration, the calibrated :class:`~.grammar.Grammar`
(motifs, cell types, per-feature parameters) and, per split, every planted
and genuine motif site, the site strengths, the context and the cell noise.
:func:`read_ground_truth` opens it as a :class:`GroundTruth`, which also
recomputes the simulation's logits (the best any sequence model can do).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from genomenb.data.deepsea import SPLITS
from genomenb.data.deepsea_sim.config import _GENOME, SIM_DESCRIPTION, SimConfig
from genomenb.data.deepsea_sim.grammar import Grammar
from genomenb.data.deepsea_sim.labels import _ACCESS, _accessibility, _feature_base
from genomenb.data.errors import DataError
from genomenb.data.motifs import Motif

__all__ = ["GroundTruth", "read_ground_truth"]


def _write_ground_truth(path: Path, config: SimConfig, grammar: Grammar, planted: Mapping[str, np.ndarray],
                        starts: Mapping[str, np.ndarray], offsets: np.ndarray, h: np.ndarray, best: np.ndarray,
                        best_start: np.ndarray, best_strand: np.ndarray, tau_lo: np.ndarray, tau_hi: np.ndarray,
                        ctx_z: np.ndarray, noise: np.ndarray, labels: np.ndarray) -> None:
    import h5py

    s0 = config.signal_start
    kw = {"track_times": False}
    ckw = {"compression": "gzip", "compression_opts": 4, "track_times": False}
    with h5py.File(path, "w", libver="earliest") as f:
        f.attrs["description"] = SIM_DESCRIPTION
        f.attrs["simulated"] = True
        f.attrs["config"] = json.dumps(asdict(config), sort_keys=True)
        f.attrs["window"] = config.window
        f.attrs["signal_start"] = s0
        f.attrs["signal_width"] = config.signal_width
        f.attrs["genome"] = f"{_GENOME} (GRCh37 chrX, first 70 Mb)"
        g = f.create_group("motifs", track_order=False)
        wmax = max(m.width for m in grammar.motifs)
        probs = np.zeros((len(grammar.motifs), wmax, 4))
        for i, m in enumerate(grammar.motifs):
            probs[i, :m.width] = m.probs
        g.create_dataset("name", data=np.array([m.name for m in grammar.motifs], dtype="S"), **kw)
        g.create_dataset("matrix_id", data=np.array([m.matrix_id for m in grammar.motifs], dtype="S"), **kw)
        g.create_dataset("width", data=np.array([m.width for m in grammar.motifs], dtype=np.int16), **kw)
        g.create_dataset("probs", data=probs, **kw)
        g.create_dataset("plant_rate", data=grammar.plant_rate, **kw)
        g.create_dataset("score_weak", data=tau_lo, **kw)
        g.create_dataset("score_strong", data=tau_hi, **kw)
        g.create_dataset("ubiquitous", data=grammar.ubiquitous, **kw)
        g = f.create_group("cells")
        g.create_dataset("name", data=np.array(grammar.cells, dtype="S"), **kw)
        g.create_dataset("lineage", data=np.array(grammar.cell_lineages, dtype="S"), **kw)
        cm = np.full((len(grammar.cells), 3), -1, dtype=np.int16)
        for i, ms in enumerate(grammar.cell_motifs):
            cm[i, :len(ms)] = ms
        g.create_dataset("motifs", data=cm, **kw)
        g = f.create_group("features")
        g.create_dataset("motif", data=grammar.feature_motif, **kw)
        g.create_dataset("motif_source", data=np.array(grammar.feature_motif_how, dtype="S"), **kw)
        g.create_dataset("role", data=np.array(grammar.feature_role, dtype="S"), **kw)
        g.create_dataset("cell", data=grammar.feature_cell, **kw)
        g.create_dataset("weights", data=grammar.weights, **kw)
        g.create_dataset("ubiquitous_weight", data=grammar.ubiq_weight, **kw)
        g.create_dataset("target_rate", data=grammar.target_rate, **kw)
        g.create_dataset("alpha", data=grammar.alpha, **kw)
        g.create_dataset("delta", data=grammar.delta, **kw)
        g.attrs["access_weights"] = np.array(_ACCESS)
        row_split = np.searchsorted(offsets, planted["row"], side="right") - 1
        for k, split in enumerate(SPLITS):
            lo, hi = offsets[k], offsets[k + 1]
            g = f.create_group(split)
            g.create_dataset("window_start", data=starts[split], **kw)  # 0-based chrX coordinate of base 0
            g.create_dataset("prevalence", data=labels[lo:hi].mean(axis=0), **kw)
            # planted sites, then genuine matches (h > 0) of motifs not planted in that window
            sel = row_split == k
            p_rows = planted["row"][sel] - lo
            p_motif = planted["motif"][sel]
            is_planted = np.zeros((hi - lo, len(grammar.motifs)), dtype=bool)
            is_planted[p_rows, p_motif] = True
            g_rows, g_motif = np.nonzero((h[lo:hi] > 0) & ~is_planted)
            order_p = np.lexsort((planted["start"][sel], p_rows))

            def both(key: str, scanned: np.ndarray, dtype) -> np.ndarray:  # called in this iteration only
                return np.concatenate([planted[key][sel][order_p],  # noqa: B023
                                       scanned[lo:hi][g_rows, g_motif]]).astype(dtype)  # noqa: B023

            rows = np.concatenate([p_rows[order_p], g_rows]).astype(np.int32)
            motif = np.concatenate([p_motif[order_p], g_motif]).astype(np.int16)
            start = both("start", best_start, np.int16)
            strand = both("strand", best_strand, np.int8)
            score = both("score", best, np.float32)
            flag = np.concatenate([np.ones(order_p.size, bool), np.zeros(g_rows.size, bool)])
            order = np.lexsort((start, rows))
            sg = g.create_group("sites")
            sg.attrs["coordinates"] = ("start_in_window = start + signal_start; start is relative to the middle "
                                       "signal window; strand -1 means the reverse complement of a PWM sample")
            for name, arr in (("row", rows), ("motif", motif), ("start", start), ("strand", strand),
                              ("score", score), ("planted", flag)):
                sg.create_dataset(name, data=arr[order], **ckw) if arr.size else sg.create_dataset(name, data=arr, **kw)
            g.create_dataset("site_strength", data=h[lo:hi], **ckw)
            g.create_dataset("context_z", data=ctx_z[lo:hi], **ckw)
            g.create_dataset("cell_noise", data=noise[lo:hi].astype(np.float16), **ckw)


@dataclass
class GroundTruth:
    """What the simulation knows and a model has to discover (see ``ground_truth.h5``).

    Attributes
    ----------
    path : Path
    config : dict
        The :class:`SimConfig` the bundle was generated with.
    grammar : Grammar
        Motifs, cell types and the calibrated per-feature parameters.
    """

    path: Path
    config: dict
    grammar: Grammar

    @property
    def signal_start(self) -> int:
        return (self.config["window"] - self.config["signal_width"]) // 2

    @property
    def motif_names(self) -> list[str]:
        return [m.name for m in self.grammar.motifs]

    def sites(self, split: str, crop: int | None = None):
        """Planted and genuine sites of a split as a DataFrame.

        Columns: ``row`` (sequence in the split, = its row in the bundle
        file), ``motif`` index and ``motif_name``, ``start_in_signal``,
        ``start_in_window``, ``start_in_crop`` (relative to the middle
        ``crop`` bases, default the signal window), ``width``, ``strand``,
        ``score`` (bits) and ``planted``.
        """
        import h5py
        import pandas as pd

        with h5py.File(self.path, "r") as f:
            g = f[split]["sites"]
            data = {k: g[k][...] for k in ("row", "motif", "start", "strand", "score", "planted")}
        crop = self.config["signal_width"] if crop is None else crop
        crop_start = (self.config["window"] - crop) // 2
        widths = np.array([m.width for m in self.grammar.motifs])
        table = pd.DataFrame({"row": data["row"].astype(np.int64), "motif": data["motif"].astype(np.int64),
                              "motif_name": np.array(self.motif_names, dtype=object)[data["motif"]],
                              "start_in_signal": data["start"].astype(np.int64)})
        table["start_in_window"] = table["start_in_signal"] + self.signal_start
        table["start_in_crop"] = table["start_in_window"] - crop_start
        table["width"] = widths[data["motif"]]
        table["strand"] = data["strand"]
        table["score"] = data["score"]
        table["planted"] = data["planted"]
        return table

    def array(self, split: str, name: str) -> np.ndarray:
        """A per-window array of a split: ``site_strength``, ``context_z``, ``cell_noise``,
        ``window_start`` or ``prevalence``."""
        import h5py

        with h5py.File(self.path, "r") as f:
            return f[split][name][...]

    def logits(self, split: str, features: np.ndarray | None = None, *, cell_noise: bool = True) -> np.ndarray:
        """The simulation's logit of every window and feature, ``float32`` ``(n, F)``.

        With ``cell_noise=False`` the unobservable cell-state noise is set to
        0: what remains is the part of the logit the sequence determines. Its
        per-feature AUROC is the best any sequence-only model can reach
        (the probability of a label given the sequence increases with it).
        """
        g = self.grammar
        feats = np.arange(len(g.target_rate)) if features is None else np.asarray(features)
        h = self.array(split, "site_strength").astype(np.float32)
        ctx = self.array(split, "context_z").astype(np.float32)
        noise = self.array(split, "cell_noise").astype(np.float32)
        if not cell_noise:
            noise[:] = 0.0
        access, lineage, ubiq = _accessibility(h, ctx, noise, g)
        logit = _feature_base(feats, g, h, ctx, noise, access, lineage, ubiq)
        motif = g.feature_motif[feats]
        has = motif >= 0
        if has.any():
            logit[:, has] += g.delta[feats][has].astype(np.float32) * h[:, motif[has]]
        # a feature with no positives at all has alpha = -inf; -30 keeps the logit finite (probability ~1e-13)
        alpha = np.where(np.isfinite(g.alpha[feats]), g.alpha[feats], -30.0).astype(np.float32)
        return logit + alpha


def read_ground_truth(bundle_dir: str | os.PathLike) -> GroundTruth:
    """Open the ground truth of a DeepSEA-sim bundle."""
    import h5py

    path = Path(bundle_dir) / "ground_truth.h5"
    if not path.is_file():
        raise DataError(path, "file not found; expected the ground truth of a DeepSEA-sim bundle "
                        "(real DeepSEA bundles have none)")
    text = lambda ds: [x.decode() for x in ds[...]]  # noqa: E731
    try:
        with h5py.File(path, "r") as f:
            config = json.loads(f.attrs["config"])
            m, c, ft = f["motifs"], f["cells"], f["features"]
            motifs = [Motif(name, mid, p[:w]) for name, mid, p, w in
                      zip(text(m["name"]), text(m["matrix_id"]), m["probs"][...], m["width"][...])]
            cell_motifs = [tuple(int(i) for i in row if i >= 0) for row in c["motifs"][...]]
            grammar = Grammar(motifs, m["plant_rate"][...], m["ubiquitous"][...], text(c["name"]), text(c["lineage"]),
                              cell_motifs, ft["motif"][...], text(ft["motif_source"]), text(ft["role"]),
                              ft["cell"][...], ft["weights"][...], ft["ubiquitous_weight"][...],
                              ft["target_rate"][...], ft["alpha"][...], ft["delta"][...])
    except (OSError, KeyError) as exc:
        raise DataError(path, f"unreadable ground truth ({exc}); regenerate the bundle") from None
    return GroundTruth(path, config, grammar)
