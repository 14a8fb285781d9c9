"""The ``calanque`` command: Django's management commands, with the
project's own written with hyphens (``calanque import-staff``)."""

import os
import sys

from calanque.config import ConfigError

ALIASES = {
    "import-staff": "import_staff",
    "import-establishments": "import_establishments",
    "setup-academy": "setup_academy",
    "send-activation": "send_activation",
}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calanque.settings")
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ConfigError as exc:
        print(f"calanque: erreur de configuration : {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
