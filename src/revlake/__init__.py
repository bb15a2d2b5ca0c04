"""revlake: an open-source revenue intelligence lakehouse."""

__version__ = "0.1.0"
