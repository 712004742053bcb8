"""Stage 2, plan: which page is shown in which language, how translations compare, page quality checks."""
