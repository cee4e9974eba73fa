"""`python -m rapportbok` (and `make book`): the command line, rapportbok.cli.

A build with nothing changed since the last one is answered here, before click and the rest of the
command line are imported: the no-change check (rapportbok.publish.stamp.quick) then costs little more
than Python's start and one ``stat`` per file, also at 290 organisations. Anything else, and any
option but those below, goes to the full command line, which says the same thing the same way.
"""

import sys

QUICK = {"bygg", "build"}
QUICK_OPTIONS = {"--utan-webbplats", "--no-site", "--pdf"}


def _quick(argv: list[str]) -> bool:
    if not argv or argv[0] not in QUICK or not set(argv[1:]) <= QUICK_OPTIONS:
        return False
    from rapportbok.core import paths
    from rapportbok.publish import stamp

    try:
        said = stamp.quick(
            paths.project_root(),
            paths.data_dir(),
            stamp.mode_of("--utan-webbplats" not in argv and "--no-site" not in argv, "--pdf" in argv),
        )
    except OSError:
        return False  # the command line says what is wrong
    if said is None:
        return False
    sys.stdout.write("".join(line + "\n" for line in said))
    return True


if not _quick(sys.argv[1:]):
    from rapportbok.cli import main

    main()
