"""Stage 5, deploy: the server configuration a relay or a server of its own needs for the output."""
