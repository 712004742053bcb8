"""chatmail-site: a static site generator for the multilingual pages of chatmail relays."""

__version__ = "0.1.0"
