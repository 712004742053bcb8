"""Foundations every stage uses: diagnostics, source safety, URLs, domain names, YAML with lines."""
