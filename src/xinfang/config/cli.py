"""The `xinfang` console script: every Django management command plus xinfang's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    # `xinfang token create USER`, `xinfang audit verify`, `xinfang import petitions FILE`,
    # `xinfang report bulletin ...`, `xinfang insight train ...`: two-word commands map to one.
    if len(argv) >= 3 and argv[1] in {"token", "audit", "import", "report", "insight"}:
        argv = [argv[0], f"{argv[1]}_{argv[2]}", *argv[3:]]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
