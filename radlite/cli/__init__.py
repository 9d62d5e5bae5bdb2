"""Thin command-line layer: one module per command group, each calling the library."""
