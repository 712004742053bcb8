"""The command line: build, check, serve, status, i18n and import, each a thin layer over the stages."""
