"""A static fact-check site generator: every quoted excerpt is verified against its pinned source."""

__version__ = "0.1.0"
