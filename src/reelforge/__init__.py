"""reelforge: a self-hostable media-generation platform."""

__version__ = "0.1.0"
