"""The types the stages hand each other after loading: the plan of pages, and the derived-results cache."""
