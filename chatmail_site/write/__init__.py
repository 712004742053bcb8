"""Stage 4, write: put the rendered files on disk, replacing the previous output atomically."""
