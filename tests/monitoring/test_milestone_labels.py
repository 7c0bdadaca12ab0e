"""Milestones are named by the catalogue, in the page's language or in the one an output asks for."""

from __future__ import annotations

import pytest
from smartregion.i18n import translate
from sqlalchemy import select

from protocol.models import Protocol
from protocol.services import LABELS, milestones


@pytest.fixture
def tuscan(demo, db):
    return db.scalar(select(Protocol).order_by(Protocol.id))


def test_label_it_and_label_en_are_the_catalogue_translations(db, tuscan):
    report = next(m for m in milestones(tuscan) if m.key == "monitoring-1")
    assert report.label_it == translate("Monitoring report", "it", context="protocol milestone") + " 1"
    assert (report.label_it, report.label_en) == ("Rapporto di monitoraggio 1", "Monitoring report 1")
    assert translate("Monitoring report", "it") == "Relazione di monitoraggio", "the report itself is a «Relazione»"
    for milestone in milestones(tuscan):
        assert milestone.label_it != milestone.label_en, f"{milestone.kind}: no Italian in the catalogue"
    assert set(LABELS) == {m.kind for m in milestones(tuscan)}


def test_the_timeline_page_names_the_milestones_in_the_page_language(page_client, db, tuscan):
    url = f"/protocols/{tuscan.id}"
    english = page_client("segreteria", lang="en").get(url).get_data(as_text=True)
    assert "Census of smart infrastructures and services" in english
    assert "Monitoring report 1" in english and "Rapporto di monitoraggio" not in english

    italian = page_client("segreteria").get(url).get_data(as_text=True)
    assert "Censimento delle infrastrutture e dei servizi smart" in italian
    assert "Rapporto di monitoraggio 1" in italian and "Monitoring report 1" not in italian
