"""Stage 1, load: read and validate site.yaml, pages, servers.yaml, chatmail.ini, catalogs and the theme."""
