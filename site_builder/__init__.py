"""A static fact-check site generator: every quoted excerpt is verified against its pinned source."""
