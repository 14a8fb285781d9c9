"""Calanque: the messaging portal of an académie."""

__version__ = "0.1.0"
