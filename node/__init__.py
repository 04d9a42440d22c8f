"""Quartier: a federated, self-hostable neighbourhood node."""

__version__ = "0.1.0"
