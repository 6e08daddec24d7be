"""DeepSEA-sim: a SIMULATED stand-in for the DeepSEA bundle, written in DeepSEA's own file format.

The real DeepSEA training data (4.4 million labelled 1000-bp sequences) could
not be obtained for this book, so by default the chromatin chapters run on
**DeepSEA-sim**. Everything about it is simulated except the DNA: it is named
``deepsea-sim`` in every file, table and figure, and nothing learnt from it
says anything about real chromatin.

What is real
    The sequences are 1000-bp windows of human chromosome X (GRCh37, the
    bundled ``human_chrx_slice``) without any ``N``, centred on 200-bp bins
    that never overlap (as in DeepSEA). Training, validation and test windows
    come from disjoint regions: the slice is cut into 50-kb blocks, whole
    blocks are dealt to the splits, and no window crosses a block edge, so no
    base is shared between splits. The label
    names, and the per-feature positive rates the simulation aims for, are
    DeepSEA's own (``test_positive_fraction`` of the feature table).

What is simulated: the label grammar
    Labels depend only on the middle ``signal_width`` bases (100, the crop
    the paper trained on), through motif sites and sequence context:

    * **Motifs.** Each TF feature uses the JASPAR matrix of its target
      (:func:`genomenb.data.motifs.target_motif`); cohesin (RAD21, SMC3) uses
      CTCF's and so on. Every cell type has two or three *lineage* motifs
      (GATA1::TAL1 and NFE2 for K562, HNF4A / FOXA2 / CEBPB for liver cells,
      SPI1 / EBF1 / IRF4 for B cells, ..., :data:`LINEAGE_MOTIFS`), and six
      *ubiquitous* promoter/insulator motifs (CTCF, SP1, NRF1, NFYA, GABPA,
      YY1) open chromatin in every cell.
    * **Sites.** Each motif is planted into a random subset of windows (at a
      rate set from the highest positive rate of the features that use it),
      as a sequence sampled from its PWM (conditioned on reaching the strong
      threshold below, best of 32 draws), on a random strand, at a random
      position inside the middle window, never overlapping another planted
      site. The real DNA also contains genuine matches; they are treated
      exactly like planted ones: after planting, every motif is scanned over
      the middle window of every sequence, and its *site strength*
      ``h`` in ``[0, 1]`` ramps linearly from the score reached by 1% of
      background windows (``h = 0``) to the score reached by 0.2% (``h = 1``).
      Both thresholds come from scanning 20,000 unplanted background windows.
    * **Context.** CpG and GC counts of the middle window (z-scored on the
      background windows).
    * **Cell state.** Accessibility of a window in a cell type
      ``A = 3 * lineage sites + 0.5 * ubiquitous sites + 0.3 * CpG + z``,
      where ``z`` is unobservable Gaussian noise shared by all features of that
      cell type. This is what makes features of one cell type correlate
      beyond what the sequence explains, as in real data.
    * **Features.** The logit of feature ``f`` (target rate ``pi_f``) is
      ``alpha_f + delta_f * h_motif + weights . (A, lineage sites, CpG, GC, z)``
      with weights set by its role (:data:`ROLE_WEIGHTS`): DNase follows
      accessibility; a sequence-specific TF follows its site (``delta_f``) and,
      weakly, accessibility; promoter-bound factors without a motif (Pol2,
      TAF1, HDACs...) follow CpG and ubiquitous sites; co-activators (p300,
      BRG1...) follow lineage sites; Polycomb (EZH2, SUZ12) follows CpG away
      from open chromatin; histone marks follow their usual context (promoter
      marks CpG, H3K4me1 lineage enhancers, H3K9me3 AT-rich DNA, gene-body
      marks weakly GC). ``delta_f`` is calibrated so that about
      ``site_fraction`` (75%) of a TF's positives carry its site and
      ``alpha_f`` so that the expected positive rate over all generated
      windows equals ``pi_f``; labels are then Bernoulli draws. So some
      positives have no detectable site and some windows with a site are
      negative, as in ChIP-seq.

The bundle folder holds ``train.mat`` (MATLAB 7.3 / HDF5), ``valid.mat`` and
``test.mat`` (MATLAB v5) exactly as DeepSEA lays them out (one-hot channels
A G C T, no reverse-complement copies), plus ``ground_truth.h5`` with every
planted and genuine site (start in the window and in the middle window,
strand, score), the site strengths, the cell noise and the calibrated
grammar, for the saliency chapter. Generation is deterministic: the same
configuration and seed give byte-identical files on the same machine.

Modules
    :mod:`.config` (:class:`SimConfig`, constants, the cache key),
    :mod:`.grammar` (motifs, lineages and roles of the 919 features),
    :mod:`.windows` (the chrX windows, background statistics, planting),
    :mod:`.labels` (site strengths, accessibility, logits, calibration),
    :mod:`.generate` (:func:`generate_bundle`, the cache, loading) and
    :mod:`.ground_truth` (``ground_truth.h5``). The chapters' loader, real
    DeepSEA data or DeepSEA-sim, is :func:`genomenb.data.chromatin.load_chromatin_data`.
"""

from genomenb.data.deepsea_sim.config import SIM_DESCRIPTION, SIM_SOURCE, SimConfig
from genomenb.data.deepsea_sim.generate import ensure_bundle, generate_bundle, load_sim_subset
from genomenb.data.deepsea_sim.grammar import (
    LINEAGE_MOTIFS,
    ROLE_WEIGHTS,
    UBIQUITOUS_MOTIFS,
    Grammar,
    build_grammar,
    cell_lineage,
)
from genomenb.data.deepsea_sim.ground_truth import GroundTruth, read_ground_truth

__all__ = [
    "SIM_SOURCE",
    "SIM_DESCRIPTION",
    "SimConfig",
    "LINEAGE_MOTIFS",
    "UBIQUITOUS_MOTIFS",
    "ROLE_WEIGHTS",
    "Grammar",
    "build_grammar",
    "cell_lineage",
    "generate_bundle",
    "ensure_bundle",
    "load_sim_subset",
    "GroundTruth",
    "read_ground_truth",
]
