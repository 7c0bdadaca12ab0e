"""Territorial eligibility: tokens for the EU, Italy, macro-areas, regions, provinces, municipalities.

A funding line lists the territories where it applies; a project lies in one municipality and
therefore in its province, region, macro-area, Italy and the EU. Eligibility is the overlap.

Tokens: ``EU``, ``IT``, ``IT-CN`` (Centre-North), ``IT-MZ`` (Mezzogiorno), ``IT-R09`` (ISTAT region
code), ``IT-P048`` (ISTAT province code), ``IT-M048017`` (ISTAT municipality code).
"""

from __future__ import annotations

import functools
import re

from smartregion.i18n import LANGUAGES, translate

from funding.reference import N_

# Regions by ISTAT code; their names, in Italian and English, come from the catalogue.
REGIONS: dict[str, str] = {
    "01": N_("Piedmont"),
    "02": N_("Aosta Valley"),
    "03": N_("Lombardy"),
    "04": N_("Trentino-South Tyrol"),
    "05": N_("Veneto"),
    "06": N_("Friuli-Venezia Giulia"),
    "07": N_("Liguria"),
    "08": N_("Emilia-Romagna"),
    "09": N_("Tuscany"),
    "10": N_("Umbria"),
    "11": N_("Marche"),
    "12": N_("Lazio"),
    "13": N_("Abruzzo"),
    "14": N_("Molise"),
    "15": N_("Campania"),
    "16": N_("Apulia"),
    "17": N_("Basilicata"),
    "18": N_("Calabria"),
    "19": N_("Sicily"),
    "20": N_("Sardinia"),
}
MEZZOGIORNO = frozenset({"13", "14", "15", "16", "17", "18", "19", "20"})

_PROVINCE_RANGES: dict[str, tuple[int, ...]] = {
    "01": (1, 2, 3, 4, 5, 6, 96, 103),
    "02": (7,),
    "03": (12, 13, 14, 15, 16, 17, 18, 19, 20, 97, 98, 108),
    "04": (21, 22),
    "05": (23, 24, 25, 26, 27, 28, 29),
    "06": (30, 31, 32, 93),
    "07": (8, 9, 10, 11),
    "08": (33, 34, 35, 36, 37, 38, 39, 40, 99),
    "09": (45, 46, 47, 48, 49, 50, 51, 52, 53, 100),
    "10": (54, 55),
    "11": (41, 42, 43, 44, 109),
    "12": (56, 57, 58, 59, 60),
    "13": (66, 67, 68, 69),
    "14": (70, 94),
    "15": (61, 62, 63, 64, 65),
    "16": (71, 72, 73, 74, 75, 110),
    "17": (76, 77),
    "18": (78, 79, 80, 101, 102),
    "19": (81, 82, 83, 84, 85, 86, 87, 88, 89),
    "20": (90, 91, 92, 95, 104, 105, 106, 107, 111),
}
PROVINCE_REGION: dict[str, str] = {
    f"{province:03d}": region for region, provinces in _PROVINCE_RANGES.items() for province in provinces
}

_TOKEN = re.compile(r"^(EU|IT|IT-CN|IT-MZ|IT-R\d{2}|IT-P\d{3}|IT-M\d{6})$")


@functools.cache
def _region_names() -> dict[str, str]:
    """The regions' Italian and English names (as people write them), lower-case, to their codes."""
    return {translate(name, locale).lower(): code for code, name in REGIONS.items() for locale in LANGUAGES}


def normalise_token(value: str) -> str:
    """Turn a territory as written by people into a token; raise ValueError when unknown."""
    text = str(value).strip()
    upper = text.upper()
    if _TOKEN.match(upper):
        if upper.startswith("IT-R") and upper[4:] not in REGIONS:
            raise ValueError(value)
        return upper
    lowered = text.lower()
    if lowered in ("ue", "unione europea", "european union", "europe", "europa"):
        return "EU"
    if lowered in ("italia", "italy"):
        return "IT"
    if lowered in ("mezzogiorno", "sud", "southern italy"):
        return "IT-MZ"
    if lowered in ("centro-nord", "centre-north", "centro nord"):
        return "IT-CN"
    if lowered in _region_names():
        return f"IT-R{_region_names()[lowered]}"
    if re.fullmatch(r"\d{6}", text):
        return f"IT-M{text}"
    raise ValueError(value)


def tokens_for_municipality(istat_code: str, region_code: str | None = None) -> tuple[str, ...]:
    """Every token a project located in this municipality satisfies."""
    code = str(istat_code).strip()
    if not re.fullmatch(r"\d{6}", code):
        raise ValueError(istat_code)
    province = code[:3]
    region = region_code or PROVINCE_REGION.get(province)
    tokens = ["EU", "IT", f"IT-P{province}", f"IT-M{code}"]
    if region:
        tokens += [f"IT-R{region}", "IT-MZ" if region in MEZZOGIORNO else "IT-CN"]
    return tuple(tokens)


AREAS = {"EU": N_("European Union"), "IT": N_("Italy"), "IT-MZ": N_("Southern Italy"), "IT-CN": N_("Centre-North")}


def label(token: str, locale: str = "it") -> str:
    """A readable name for a token, in ``locale``."""
    if token in AREAS:
        return translate(AREAS[token], locale)
    if token.startswith("IT-R"):
        return translate(REGIONS[token[4:]], locale)
    if token.startswith("IT-P"):
        return translate(N_("Province %(code)s"), locale, code=token[4:])
    return translate(N_("Municipality %(code)s"), locale, code=token[4:])
