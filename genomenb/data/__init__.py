"""Bundled real data: the registry, FASTA and GFF3 readers, and the one error type.

Every reader raises :class:`DataError` (file, line or record, and what was
expected) on malformed input instead of failing deep inside NumPy.
"""

from genomenb.data import registry
from genomenb.data.errors import DataError
from genomenb.data.fasta import FastaRecord, load_genome, read_fasta
from genomenb.data.gff import read_gff3

__all__ = ["DataError", "FastaRecord", "load_genome", "read_fasta", "read_gff3", "registry"]
