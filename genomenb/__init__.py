"""genomenb: learning the language of the genome, one notebook at a time."""

__version__ = "0.1.0"
