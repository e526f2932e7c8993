"""lgcloud: a shared core-systems platform for a group of Japanese municipalities."""

__version__ = "0.1.0"
