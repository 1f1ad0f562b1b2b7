"""`python -m webhookdev.cli`."""

from __future__ import annotations

from webhookdev.cli.main import main

raise SystemExit(main())
