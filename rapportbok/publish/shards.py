"""The national edition built in parts: a matrix of jobs, each executing some organisations' notebooks, and one
job that merges their book/ folders and builds the site (``.github/workflows/nationell-utgava.yml``).

``python -m rapportbok.publish.shards`` has the three steps the workflow runs, in this order:

``plan --delar N``
    The organisations shared out over N parts, balanced by notebooks (the largest organisation first, each to
    the part with the fewest notebooks so far). Prints ``matrix=<JSON>`` for ``$GITHUB_OUTPUT``.
``bygg --del K --delar N --ut FOLDER``
    Part K of the same plan (the same data gives the same plan in every job): ``rapportbok bygg --utan-webbplats
    --org ...`` for its organisations, then their folders of book/ copied to ``FOLDER/book/`` with a manifest
    (every file and its SHA-256) signed by the build with the run's key (:data:`KEY_ENV`, an HMAC).
``sammanfoga FOLDER``
    Every part under FOLDER (one folder per part, as the artefacts are downloaded) is checked before anything is
    copied: its manifest's signature, each file's hash, that it holds only the notebooks and table downloads of
    the organisations of its part, as regular files inside their folders. A part that fails is not merged at all
    and the command stops (non-zero) naming the part and file. Then each organisation's folder in book/ is
    replaced by the part's, and an ordinary ``rapportbok bygg`` builds the site; every notebook's input hash is
    checked by that build as always (one that does not match is executed again).

The signature is what the merge can vouch for: a notebook changed after the build that executed it signed its
part (a script added to an output, a figure changed) is refused, whatever its stored input hash says.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rapportbok.core import hashing

KEY_ENV = "RAPPORTBOK_DELNYCKEL"  # the run's key: the workflow gives every job the same secret
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
ALLOWED = (".ipynb", ".csv", ".xlsx")  # what a part may hold under book/<org>/<year>/: notebooks, table downloads


class ShardError(Exception):
    """A part cannot be built or merged; the message says which and why, in Swedish."""


@dataclass(frozen=True)
class Part:
    number: int  # 1, 2, ...
    orgs: tuple[str, ...]
    notebooks: int


def plan(jobs, parts: int) -> list[Part]:
    """The organisations of ``jobs`` (rapportbok.publish.build.Job) in ``parts`` parts balanced by notebooks: the
    organisation with the most notebooks first, each to the part with the fewest so far (ties: the lower number,
    then the organisation's name), so the plan is the same wherever it is made. Empty parts are left out."""
    if parts < 1:
        raise ShardError(f"Antalet delar måste vara minst 1 (fick {parts}).")
    count: dict[str, int] = {}
    for job in jobs:
        count[job.org] = count.get(job.org, 0) + 1
    loads = [[0, k, []] for k in range(parts)]
    for org in sorted(count, key=lambda o: (-count[o], o)):
        target = min(loads, key=lambda load: (load[0], load[1]))
        target[0] += count[org]
        target[2].append(org)
    out = [Part(k + 1, tuple(sorted(orgs)), n) for n, k, orgs in loads if orgs]
    return [Part(i + 1, p.orgs, p.notebooks) for i, p in enumerate(out)]


def _key() -> bytes:
    key = os.environ.get(KEY_ENV, "")
    if not key:
        raise ShardError(
            f"Delarna signeras med en nyckel för körningen i miljövariabeln {KEY_ENV}, och den saknas. "
            f"I GitHub Actions: lägg den som hemlighet i repots inställningar (Secrets, {KEY_ENV})."
        )
    return key.encode("utf-8")


def _sign(key: bytes, payload: bytes) -> str:
    return hashing.signature(key, payload).hex()


def _sha256(path: Path) -> str:
    return hashing.sha256_hex(path.read_bytes())


def pack(root: Path, part: Part, out: Path) -> Path:
    """Copy the part's organisations' folders of ``root/book`` to ``out/book`` and sign their manifest."""
    key = _key()
    if out.exists():
        shutil.rmtree(out)
    files: dict[str, str] = {}
    for org in part.orgs:
        src = root / "book" / org
        if not src.is_dir():
            raise ShardError(f"Del {part.number}: book/{org}/ finns inte efter bygget.")
        for path in sorted(src.rglob("*")):
            if path.is_file() and path.suffix in ALLOWED:  # the year pages (.md) the merge's build writes itself
                rel = path.relative_to(root).as_posix()
                target = out / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                files[rel] = _sha256(target)
    manifest = json.dumps(
        {"del": part.number, "organisationer": list(part.orgs), "filer": files},
        ensure_ascii=False,
        sort_keys=True,
        indent=1,
    ).encode("utf-8")
    (out / MANIFEST).write_bytes(manifest)
    (out / SIGNATURE).write_text(_sign(key, manifest), encoding="ascii")
    return out


def _entries(folder: Path) -> list[Path]:
    """Everything under ``folder`` (files, folders and links), without following links."""
    out = []
    for base, dirs, names in os.walk(folder, followlinks=False):
        for name in dirs + names:
            out.append(Path(base) / name)
    return out


def verify(folder: Path, expected: Part | None = None) -> dict:
    """A downloaded part's manifest, if its signature and every file check out; else ShardError naming the
    part and file."""
    import hmac

    label = folder.name
    key = _key()
    try:
        manifest_bytes = (folder / MANIFEST).read_bytes()
        signature = (folder / SIGNATURE).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise ShardError(f"Delen {label} saknar sitt manifest eller sin signatur ({err.__class__.__name__}).") from err
    if not hmac.compare_digest(signature, _sign(key, manifest_bytes)):
        raise ShardError(
            f"Delen {label}: manifestets signatur stämmer inte med körningens nyckel. Delen tas inte med; "
            "den har ändrats efter bygget eller kommer från en annan körning."
        )
    manifest = json.loads(manifest_bytes)
    orgs = list(manifest.get("organisationer", []))
    if expected is not None and sorted(orgs) != sorted(expected.orgs):
        raise ShardError(
            f"Delen {label} har organisationerna {', '.join(orgs)}, men del {expected.number} i planen har "
            f"{', '.join(expected.orgs)}."
        )
    listed: dict[str, str] = manifest.get("filer", {})
    present = set()
    for path in _entries(folder):
        rel = path.relative_to(folder).as_posix()
        if rel in (MANIFEST, SIGNATURE):
            continue
        mode = os.lstat(path).st_mode
        if stat.S_ISDIR(mode):
            continue
        if not stat.S_ISREG(mode):
            raise ShardError(f"Delen {label}: {rel} är inte en vanlig fil (en länk?) och tas inte med.")
        present.add(rel)
    for rel in sorted(present | set(listed)):
        parts = rel.split("/")
        if (
            rel not in listed
            or rel not in present
            or len(parts) < 4
            or parts[0] != "book"
            or parts[1] not in orgs
            or ".." in parts
            or not rel.endswith(ALLOWED)
        ):
            raise ShardError(
                f"Delen {label}: filen {rel} "
                + (
                    "finns inte i manifestet"
                    if rel not in listed
                    else "saknas"
                    if rel not in present
                    else "hör inte hit"
                )
                + f"; en del får bara ha notebooks och tabellfiler under book/<organisation>/ för {', '.join(orgs)}."
            )
        if _sha256(folder / rel) != listed[rel]:
            raise ShardError(
                f"Delen {label}: filen {rel} har ändrats efter bygget (dess hash stämmer inte med det signerade "
                "manifestet). Delen tas inte med."
            )
    return manifest


def merge(root: Path, artefacts: Path, expected: list[Part] | None = None) -> list[str]:
    """Check every part under ``artefacts`` (one folder each), then replace each organisation's folder of
    ``root/book`` by its part's. Nothing is copied unless every part checks out. Returns the organisations."""
    folders = sorted(p for p in artefacts.iterdir() if p.is_dir()) if artefacts.is_dir() else []
    if not folders:
        raise ShardError(f"Inga delar att sätta ihop i {artefacts}.")
    by_number = {p.number: p for p in expected or []}
    manifests = []
    for folder in folders:
        manifest = verify(folder)
        if expected is not None:
            part = by_number.get(manifest.get("del"))
            if part is None:
                raise ShardError(f"Delen {folder.name} är del {manifest.get('del')}, som planen inte har.")
            verify(folder, part)
        manifests.append((folder, manifest))
    seen: dict[str, str] = {}
    for folder, manifest in manifests:
        for org in manifest["organisationer"]:
            if org in seen:
                raise ShardError(f"Organisationen {org} finns i två delar: {seen[org]} och {folder.name}.")
            seen[org] = folder.name
    if expected is not None:
        missing = sorted({o for p in expected for o in p.orgs} - set(seen))
        if missing:
            raise ShardError("Delar saknas: inga notebooks för " + ", ".join(missing) + ".")
    for folder, manifest in manifests:
        for org in manifest["organisationer"]:
            # the part's folder beside the old one, then swapped in: an organisation's folder is whole, old or new
            new = root / "book" / f".{org}.ny"
            if new.exists():
                shutil.rmtree(new)
            for rel in manifest["filer"]:
                if rel.split("/")[1] == org:
                    dest = new / Path(*rel.split("/")[2:])
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(folder / rel, dest)
            target = root / "book" / org
            if target.exists():
                shutil.rmtree(target)
            new.rename(target)
    return sorted(seen)


# -- the workflow's steps ------------------------------------------------------------------------------------


def _plan_here(parts: int) -> list[Part]:
    from rapportbok.core.paths import data_dir
    from rapportbok.publish import build

    return plan(build.plan(data_dir())[1], parts)


def _rapportbok(*args: str) -> int:
    return subprocess.call([sys.executable, "-m", "rapportbok", *args])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rapportbok.publish.shards", description="Nationell utgåva i delar.")
    sub = ap.add_subparsers(dest="steg", required=True)
    p_plan = sub.add_parser("plan", help="dela upp organisationerna (matrisen som JSON)")
    p_plan.add_argument("--delar", type=int, required=True)
    p_build = sub.add_parser("bygg", help="bygg en del och packa den")
    p_build.add_argument("--del", dest="part", type=int, required=True)
    p_build.add_argument("--delar", type=int, required=True)
    p_build.add_argument("--ut", type=Path, required=True)
    p_merge = sub.add_parser("sammanfoga", help="kontrollera delarna, lägg dem i book/ och bygg webbplatsen")
    p_merge.add_argument("mapp", type=Path)
    p_merge.add_argument("--delar", type=int, required=True)
    args = ap.parse_args(argv)
    from rapportbok.core.paths import project_root
    from rapportbok.data.schema import DataError

    try:
        root = project_root()
        if args.steg == "plan":
            parts = _plan_here(args.delar)
            matrix = [{"del": p.number, "organisationer": " ".join(p.orgs), "notebooks": p.notebooks} for p in parts]
            print("matrix=" + json.dumps({"include": matrix}, ensure_ascii=False))
            return 0
        parts = _plan_here(args.delar)
        if args.steg == "bygg":
            part = next((p for p in parts if p.number == args.part), None)
            if part is None:
                raise ShardError(f"Planen har {len(parts)} delar; del {args.part} finns inte.")
            _key()  # before the build: a missing key stops the part at once
            code = _rapportbok("bygg", "--utan-webbplats", *[a for o in part.orgs for a in ("--org", o)])
            if code != 0:
                return code
            pack(root, part, args.ut)
            print(f"Del {part.number}: {', '.join(part.orgs)} ({part.notebooks} notebooks) packad i {args.ut}.")
            return 0
        orgs = merge(root, args.mapp, parts)
        print(f"Delarna är kontrollerade och ihopsatta: {len(orgs)} organisationer.")
        return _rapportbok("bygg")
    except ShardError as err:
        print(str(err), file=sys.stderr)
        return 1
    except DataError as err:
        print(err.report(), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
