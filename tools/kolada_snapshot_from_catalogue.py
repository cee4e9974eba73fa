"""Make rapportbok/data/kolada_metadata/ from the Kolada catalogue files (../shared/kolada/).

    .venv/bin/python tools/kolada_snapshot_from_catalogue.py [FOLDER]

FOLDER holds municipality-groups.csv and kpi-catalogue.tsv (default ../shared/kolada). With the
network, `rapportbok kolada metadata` does the same from Kolada's API.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rapportbok.data import kolada_snapshot as snap


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parents[1]
    folder = Path(argv[0]) if argv else root.parent / "shared" / "kolada"
    groups, kpis = snap.records_from_catalogue(folder / "municipality-groups.csv", folder / "kpi-catalogue.tsv")
    meta = {
        "source": "Källa: Kolada (RKA): kommungrupper med medlemmar och nyckeltalskatalogen",
        "fetched_at": "2026-03",
        "made_from": "../shared/kolada/municipality-groups.csv och kpi-catalogue.tsv (Koladas metadata, mars 2026)",
        "made_by": "tools/kolada_snapshot_from_catalogue.py",
    }
    s = snap.build(groups, kpis, meta)
    for p in snap.write(s):
        print(p)
    print(f"{len(s.municipalities)} kommuner, {len(s.kpis)} nyckeltal.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
