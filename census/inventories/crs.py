"""Coordinate reference systems Italian network holders use, and reprojection to WGS84 (EPSG:4326).

The system is never guessed: it comes from the file (.prj, GeoPackage, GeoJSON ``crs``) or from the
upload form. When both are given and disagree, the import stops with a clear message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from smartregion.i18n import N_

WGS84 = 4326

SUPPORTED: dict[int, str] = {  # code -> English name, a message of the catalogue
    4326: N_("WGS 84 (latitude/longitude)"),
    4258: N_("ETRS89 (latitude/longitude)"),
    6706: N_("RDN2008 (latitude/longitude)"),
    6707: N_("RDN2008 / UTM zone 32N"),
    6708: N_("RDN2008 / UTM zone 33N"),
    7791: N_("RDN2008 / UTM zone 32N (E-N)"),
    7792: N_("RDN2008 / UTM zone 33N (E-N)"),
    25832: N_("ETRS89 / UTM zone 32N"),
    25833: N_("ETRS89 / UTM zone 33N"),
    32632: N_("WGS 84 / UTM zone 32N"),
    32633: N_("WGS 84 / UTM zone 33N"),
    3003: N_("Monte Mario / Gauss-Boaga west (Italy zone 1)"),
    3004: N_("Monte Mario / Gauss-Boaga east (Italy zone 2)"),
}

# Italy with its islands, generously: a point outside is almost always swapped or mis-declared.
ITALY_LAT = (35.0, 47.2)
ITALY_LON = (6.5, 18.6)


class CrsProblem(ValueError):
    """The coordinate system is missing, unknown, unsupported or contradictory."""


@dataclass(frozen=True)
class CrsChoice:
    """The EPSG code in force for a file and where it came from ("file" or "form")."""

    epsg: int
    source: str

    @property
    def geographic(self) -> bool:
        return is_geographic(self.epsg)


@lru_cache(maxsize=64)
def is_geographic(epsg: int) -> bool:
    """True for latitude/longitude systems, False for projected ones."""
    return CRS.from_epsg(epsg).is_geographic


def supported_text() -> str:
    """A readable list of the accepted EPSG codes."""
    return ", ".join(f"EPSG:{code}" for code in SUPPORTED)


def parse_epsg(value: str | int | None) -> int | None:
    """Read 'EPSG:3003', '3003', 'urn:ogc:def:crs:EPSG::3003', 'OGC:CRS84'; None when empty."""
    if value is None:
        return None
    if isinstance(value, int):
        code = value
    else:
        text = str(value).strip()
        if not text:
            return None
        if re.fullmatch(r"(urn:ogc:def:crs:)?ogc:(1\.3:)?crs84", text, flags=re.IGNORECASE):
            return WGS84
        match = re.fullmatch(r"(?:urn:ogc:def:crs:)?(?:epsg:{1,2}(?:[\d.]*:)?)?(\d{4,5})", text, re.IGNORECASE)
        if not match:
            match = re.search(r"/epsg/\d+/(\d{4,5})$", text, re.IGNORECASE)
        if not match:
            raise CrsProblem(f"unknown coordinate system {text!r}; use one of {supported_text()}")
        code = int(match.group(1))
    return check_supported(code)


def check_supported(code: int) -> int:
    if code not in SUPPORTED:
        raise CrsProblem(f"coordinate system EPSG:{code} is not supported; use one of {supported_text()}")
    return code


def epsg_from_wkt(wkt: str) -> int:
    """Map the WKT of a .prj file (ESRI or OGC flavour) to a supported EPSG code."""
    try:
        crs = CRS.from_wkt(wkt)
    except CRSError as exc:
        raise CrsProblem(f"the .prj file cannot be read: {exc}") from None
    code = crs.to_epsg(min_confidence=70)
    if code is None:
        for candidate in SUPPORTED:
            if crs.equals(CRS.from_epsg(candidate), ignore_axis_order=True):
                code = candidate
                break
    if code is None:
        raise CrsProblem(f"the .prj file describes {crs.name!r}, which maps to no supported EPSG code; "
                         f"use one of {supported_text()}")
    return check_supported(code)


def resolve(from_file: int | None, from_form: int | None, *, default: int | None = None) -> CrsChoice:
    """Pick the coordinate system: the file's, the form's, or a format default; never a guess."""
    if from_file is not None and from_form is not None and from_file != from_form:
        raise CrsProblem(f"the file declares EPSG:{from_file} but the form says EPSG:{from_form}")
    if from_file is not None:
        return CrsChoice(from_file, "file")
    if from_form is not None:
        return CrsChoice(from_form, "form")
    if default is not None:
        return CrsChoice(default, "format")
    raise CrsProblem("the file does not declare its coordinate system: choose it in the form "
                     f"({supported_text()})")


@lru_cache(maxsize=32)
def _transformer(epsg: int) -> Transformer:
    return Transformer.from_crs(epsg, WGS84, always_xy=True)


def to_wgs84(epsg: int):
    """A function (x, y) -> (lon, lat) into WGS84; x is easting or longitude whatever the axis order."""
    if epsg == WGS84:
        return lambda x, y: (x, y)
    transform = _transformer(epsg).transform
    return lambda x, y: transform(x, y, errcheck=True)


def inside_italy(lon: float, lat: float) -> bool:
    return ITALY_LAT[0] <= lat <= ITALY_LAT[1] and ITALY_LON[0] <= lon <= ITALY_LON[1]
