"""``python -m segprofile.web <command>``: Django's manage.py for the segprofile web app."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a Django management command with segprofile's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segprofile.web.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
