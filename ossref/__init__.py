"""ossref: check and build a static reference wiki of cited medical entries."""

__version__ = "0.1.0"
