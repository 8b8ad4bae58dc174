"""hairkg: a curated knowledge graph of regenerative (stem-cell based) hair-loss therapies."""

from hairkg.loading import load_dataset

__version__ = "0.1.0"

__all__ = ["__version__", "load_dataset"]
