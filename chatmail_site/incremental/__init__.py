"""Reuse between builds: recorded dependencies, the persistent build cache and the live preview."""
