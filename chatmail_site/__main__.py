"""Allow `python -m chatmail_site`."""

from chatmail_site.commands.cli import main

raise SystemExit(main())
