"""Inventory kinds and their columns are named by the catalogue: English message ids, Italian from messages.po."""

from __future__ import annotations

import pytest
from smartregion.i18n import translate

from census.inventories.kinds import KINDS, alias_table


def _labelled():
    for kind in KINDS.values():
        yield kind
        yield from kind.fields


@pytest.mark.parametrize("item", list(_labelled()), ids=lambda item: getattr(item, "slug", None) or item.name)
def test_every_kind_and_column_has_its_italian_name_in_the_catalogue(item):
    assert item.label_it == translate(item.label_en, "it", context=item.context)
    assert item.label_it != item.label_en, "no Italian in the catalogue"


def test_a_charging_station_name_keeps_its_own_italian_word():
    name = KINDS["ev-charging"].field("name")
    assert (name.label_en, name.label_it) == ("Name", "Denominazione")
    assert translate("Name", "it") == "Nome", "the pages' «Nome» is another message"
    assert alias_table(KINDS["ev-charging"])["denominazione"] == "name"


def test_the_uploads_page_names_the_kinds_in_the_page_language(page_client):
    english = page_client("firenze-utility", lang="en").get("/tenants/firenze/inventories").get_data(as_text=True)
    assert "Public lighting points" in english and "Punti luce di illuminazione pubblica" not in english
    assert "WGS 84 (latitude/longitude)" in english

    italian = page_client("firenze-utility").get("/tenants/firenze/inventories").get_data(as_text=True)
    assert "Punti luce di illuminazione pubblica" in italian and "Public lighting points" not in italian
    assert "WGS 84 (latitudine/longitudine)" in italian
