"""imbalance: a muscle imbalance self-assessment and trainer intake tool for the terminal."""

__version__ = "0.1.0"
