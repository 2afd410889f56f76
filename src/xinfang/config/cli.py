"""The `xinfang` console script: every Django management command plus xinfang's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) >= 2 and argv[1] == "bench":  # `xinfang bench [--quick] …` is `python -m bench …`
        sys.exit(_bench(argv[2:]))
    # `xinfang token create USER`, `xinfang audit verify`, `xinfang import petitions FILE`,
    # `xinfang report bulletin ...`, `xinfang insight train ...`: two-word commands map to one.
    if len(argv) >= 3 and argv[1] in {"token", "audit", "import", "report", "insight"}:
        argv = [argv[0], f"{argv[1]}_{argv[2]}", *argv[3:]]
    if len(argv) >= 2 and argv[1] in GUARDED and not {"-h", "--help"} & set(argv[2:]):
        _refuse_insecure_start()
    execute_from_command_line(argv)


def _bench(args: list[str]) -> int:
    """Run the benchmarks of the source checkout (`bench/` beside `src/`; XINFANG_HOME names another)."""
    import subprocess
    from pathlib import Path

    home = Path(os.environ.get("XINFANG_HOME") or Path(__file__).resolve().parents[3])
    if not (home / "bench" / "__main__.py").exists():
        sys.stderr.write(f"xinfang bench: no bench/ in {home}; run it from a source checkout (XINFANG_HOME)\n")
        return 2
    env = {**os.environ, "XINFANG_HOME": str(home)}
    return subprocess.call([sys.executable, "-m", "bench", *args], cwd=str(home), env=env)


# Long-running or data-writing commands that must not run with the published development keys outside
# debug and demo mode, like the web server (config/wsgi.py, common/checks.py).
GUARDED = {"worker", "import_petitions"}


def _refuse_insecure_start() -> None:
    import django
    from django.core.exceptions import ImproperlyConfigured

    django.setup()
    from xinfang.common.checks import refuse_insecure_start

    try:
        refuse_insecure_start()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"{exc}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
