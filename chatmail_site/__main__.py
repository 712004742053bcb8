"""Allow `python -m chatmail_site`."""

from .cli import main

raise SystemExit(main())
