"""wholefamily: find, support and track families for Supporting Families programmes."""

__version__ = "0.1.0"
