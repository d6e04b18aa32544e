"""taskbelt: one shared set of checks for every Python repository."""

__version__ = "0.1.0"
