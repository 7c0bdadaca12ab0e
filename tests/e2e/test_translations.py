"""The Italian catalogue covers every string of every module's pages (kernel, tenants, census, funding,
interoperability, protocol), compiled as shipped."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "platform" / "translations" / "it" / "LC_MESSAGES"
SOURCES = [ROOT / "platform" / "web", ROOT / "tenants", ROOT / "census", ROOT / "funding",
           ROOT / "interoperability", ROOT / "protocol", ROOT / "monitoring", ROOT / "publication"]
METHODS = [("**/node_modules/**", "ignore"), ("**.py", "python"), ("**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_messages() -> set[str]:
    found = set()
    for directory in SOURCES:
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
                directory, METHODS, keywords=KEYWORDS):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalogue():
    with (CATALOGUE / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_every_page_string_has_an_italian_translation():
    catalogue = _catalogue()
    translated = {(m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalogue
                  if m.id and m.string and all(m.string if isinstance(m.string, tuple) else [m.string])
                  and not m.fuzzy}
    used = _source_messages()
    assert {"Skip to content", "Tenants", "Census deadline"} <= used
    missing = sorted(used - translated)
    assert missing == [], f"untranslated (see platform/translations/README.md): {missing}"


def test_the_compiled_catalogue_matches_its_source():
    compiled = BytesIO()
    write_mo(compiled, _catalogue())
    compiled.seek(0)
    with (CATALOGUE / "messages.mo").open("rb") as handle:
        shipped = read_mo(handle)
    expected = read_mo(compiled)
    assert _pairs(shipped) == _pairs(expected), \
        "messages.mo is stale: run `pybabel compile -d platform/translations`"


def _pairs(catalogue) -> dict:
    def frozen(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {frozen(m.id): frozen(m.string) for m in catalogue if m.id}
