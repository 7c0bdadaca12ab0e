"""The Italian catalogue covers every string of every module's pages (kernel, tenants, census, funding,
interoperability, protocol, monitoring), compiled as shipped; no page shows a raw code (a state, kind, rule
or category as the data holds it) where a person should read a word."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "platform" / "translations" / "it" / "LC_MESSAGES"
SOURCES = [ROOT / "platform" / "web", ROOT / "tenants", ROOT / "census", ROOT / "funding",
           ROOT / "interoperability", ROOT / "protocol", ROOT / "monitoring", ROOT / "publication"]
METHODS = [("**/node_modules/**", "ignore"), ("**.py", "python"), ("**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None,
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2), "NC_": ((1, "c"), 2)}


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


# --- no raw code on any page -------------------------------------------------------------------------

ENUM_MODULES = ("census.models", "census.inventories.models", "funding.reference", "funding.models",
                "protocol.models", "monitoring.models", "interoperability.models", "tenants.models")
ISO_DURATION = re.compile(r"(?<![\w/.#-])P(?:T?\d+[YMWDHS])+(?![\w/.-])")
# Not pages: downloads, the API, the identity provider, the forms' targets.
NOT_PAGES = re.compile(r"^/(api|realms|admin|static|metrics|healthz|logout|login|language|tenant$)|"
                       r"\.(csv|json|jsonld|geojson|zip|pdf|xlsx|ttl|xml|rdf|gpkg|gz)$|/(export|download|exports)(/|$)|"
                       r"/(csv|json|pdf|ods)$")
# What a page shows as an identifier on purpose (<code>, <kbd>, <samp>, <pre>), and what it does not show.
HIDDEN = re.compile(r"<(script|style|code|kbd|samp|pre|textarea|title)\b.*?</\1>|<[^>]+>", re.S | re.I)


def _raw_codes(app) -> set[str]:
    """The codes the data holds for states, kinds, rules and categories, written with a hyphen or an
    underscore: a person should read a word, not one of these."""
    import importlib
    from enum import Enum

    codes = set()
    for name in ENUM_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Enum):
                codes |= {str(member.value) for member in value}
    from census.inventories.kinds import KINDS

    codes |= set(KINDS)
    from smartregion.db import db
    from sqlalchemy import select

    from census.models import SurveySchema

    with app.app_context(), db.new_session() as session:
        codes |= set(session.scalars(select(SurveySchema.key)))
    from protocol.services.calendar import LABELS

    codes |= set(LABELS) | {f"monitoring-{n}" for n in range(1, 9)}
    return {code for code in codes if re.fullmatch(r"[a-z0-9]+([-_][a-z0-9]+)+", code)}


def _walk(client, start="/", limit=60):
    """Pages a role reaches from its home, one per kind of address (as tests/e2e/test_walk.py does)."""
    def pattern(path):
        path = re.sub(r"/\d+(?=/|$)", "/<n>", path)
        return re.sub(r"^/(funding/)?tenants/[a-z0-9-]+", r"/\1tenants/<slug>", path)

    queue, seen = [start], set()
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if pattern(path) in seen:
            continue
        seen.add(pattern(path))
        response = client.get(path, headers={"Accept": "text/html"})
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        yield path, html
        for href in re.findall(r'href="(/[^"#?]*)', html):
            if not NOT_PAGES.search(href) and pattern(href) not in seen:
                queue.append(href)


@pytest.mark.parametrize("username", ["segreteria", "firenze-comune", "firenze-utility", "revisore"])
def test_no_page_shows_a_raw_code(app, page_client, username):
    codes = _raw_codes(app)
    assert {"smart-services", "public-lighting", "all-signatories", "operational-plan"} <= codes
    found = {}
    for lang in ("it", "en"):
        client = page_client(username, lang=lang)
        for path, html in _walk(client):
            main = html[html.find("<main"):html.find("</main>")]
            text = " ".join(HIDDEN.sub(" ", main).split())
            words = set(re.findall(r"(?<![\w/.#@-])[a-z0-9]+(?:[-_][a-z0-9]+)+(?![\w/@-])", text))
            raw = sorted(words & codes) + ISO_DURATION.findall(text)
            if raw:
                found[f"{lang} {path}"] = raw
    assert found == {}, "raw codes on the pages: give them a label in the catalogue"
