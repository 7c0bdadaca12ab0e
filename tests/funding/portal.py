"""Answers of the EU Funding & Tenders portal's search API, built as the portal returns them.

The shape follows what ``POST https://api.tech.ec.europa.eu/search-api/prod/rest/search?apiKey=SEDIA``
answers: top-level paging fields and ``results``, each with ``reference`` (identifier, content type and
language run together), ``url`` (the topic's JSON), ``summary`` and ``content`` (the title again) and a
``metadata`` object whose values are all arrays of strings; ``budgetOverview`` is a JSON string.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

HORIZON, DIGITAL, LIFE, CEF, ERASMUS, EDF = "43108390", "43152860", "43252405", "43251567", "43353764", "44181033"
STATUS = {"forthcoming": "31094501", "open": "31094502", "closed": "31094503"}


def stamp(day: date, hour: int = 17) -> str:
    """A portal timestamp: UTC, milliseconds and a +0000 offset."""
    return f"{day.isoformat()}T{hour - 1:02d}:00:00.000+0000"


def budget_overview(identifier: str, action: str, *, years: dict[str, int], minimum=None, maximum=None,
                    opening: date | None = None, deadlines=(), model: str = "single-stage") -> str:
    entry = {"action": f"{identifier} - {action}", "plannedOpeningDate": opening.isoformat() if opening else None,
             "deadlineModel": model, "deadlineDates": [d.isoformat() for d in deadlines],
             "budgetYearMap": {year: str(amount) for year, amount in years.items()}, "expectedGrants": 3}
    if minimum is not None:
        entry["minContribution"] = minimum
    if maximum is not None:
        entry["maxContribution"] = maximum
    return json.dumps({"budgetYearsColumns": sorted(years), "budgetTopicActionMap": {"1120395": [entry]}})


def topic(identifier: str, title: str, *, programme: str, types_of_action: list[str], opening: date,
          deadlines: list[date], status: str, model: str = "single-stage", description: str | None = None,
          budget: str | None = None, keywords=(), call_title: str = "", language: str = "en",
          result_type: str = "1") -> dict:
    metadata = {
        "identifier": [identifier],
        "callIdentifier": [identifier.rsplit("-", 1)[0]],
        "callTitle": [call_title or title],
        "title": [title],
        "type": [result_type],
        "status": [STATUS[status]],
        "sortStatus": ["1"],
        "startDate": [stamp(opening, 1)],
        "deadlineDate": [stamp(d) for d in deadlines],
        "deadlineModel": [model],
        "frameworkProgramme": [programme],
        "programmePeriod": ["2021 - 2027"],
        "typesOfAction": types_of_action,
        "keywords": list(keywords),
        "language": [language],
        "ccm2Id": ["1120395"],
        "es_SortDate": [stamp(opening, 1)],
    }
    if description is not None:
        metadata["descriptionByte"] = [description]
    if budget is not None:
        metadata["budgetOverview"] = [budget]
    return {
        "apiVersion": "2.137",
        "reference": f"{identifier}COMPETITIVE_CALL{language}",
        "url": f"https://ec.europa.eu/info/funding-tenders/opportunities/data/topicDetails/{identifier.lower()}.json",
        "title": title,
        "contentType": "text",
        "language": language,
        "checksum": identifier[:8],
        "database": "SEDIA",
        "databaseLabel": "SEDIA",
        "summary": title,
        "content": title,
        "metadata": metadata,
        "weight": 1.0,
    }


def answer(results: list[dict], terms: str = "smart cities") -> bytes:
    return json.dumps({"apiVersion": "2.137", "terms": terms, "responseTime": 387, "totalResults": len(results),
                       "pageNumber": 1, "pageSize": 50, "sort": "sortStatus:ASC", "groupByField": None,
                       "results": results}).encode("utf-8")


def today_answer(today: date) -> bytes:
    """A page of results as a region searching for smart-city topics would save it on ``today``."""
    soon, later, past = today + timedelta(days=90), today + timedelta(days=300), today - timedelta(days=40)
    description = ("<p class=\"topicdescriptionkind\">Expected Outcome:</p><p>Cities deploy <strong>interoperable"
                   "</strong> local digital twins &amp; open urban data platforms.</p>"
                   "<p class=\"topicdescriptionkind\">Scope:</p><ul><li>pilots in at least three cities;</li>"
                   "<li>reuse of the Smart Data Models.</li></ul>")
    return answer([
        topic("HORIZON-CL5-2027-D4-01-03", "Net-zero urban mobility pilots", programme=HORIZON,
              types_of_action=["HORIZON Innovation Actions"], opening=today - timedelta(days=20),
              deadlines=[soon], status="open", keywords=["Urban mobility"],
              budget=budget_overview("HORIZON-CL5-2027-D4-01-03", "HORIZON-IA HORIZON Innovation Actions",
                                     years={"2027": 30000000}, minimum=5000000, maximum=10000000,
                                     opening=today - timedelta(days=20), deadlines=[soon])),
        topic("HORIZON-CL6-2027-CIRCBIO-01-02", "Circular water management in cities", programme=HORIZON,
              types_of_action=["HORIZON Research and Innovation Actions"], opening=today - timedelta(days=10),
              deadlines=[soon], status="open", description=description, keywords=["Water"]),
        topic("HORIZON-MISS-2027-CIT-01-05", "Support to the Mission cities platform", programme=HORIZON,
              types_of_action=["HORIZON-CSA HORIZON Coordination and Support Actions"],
              opening=today - timedelta(days=200), deadlines=[past], status="open",
              budget="{\"budgetTopicActionMap\": [broken"),
        topic("HORIZON-JU-CBE-2027-IA-02", "Bio-based urban regeneration", programme=HORIZON,
              types_of_action=["HORIZON-JU-RIA HORIZON JU Research and Innovation Actions"],
              opening=today + timedelta(days=30), deadlines=[later], status="open"),
        topic("DIGITAL-2027-CLOUD-AI-08-LDT", "Local digital twins toolbox", programme=DIGITAL,
              types_of_action=["DIGITAL Simple Grants"], opening=today - timedelta(days=5), deadlines=[soon],
              status="forthcoming", keywords=["Digital twin"]),
        topic("LIFE-2027-SAP-CLIMA-CCA", "Climate change adaptation", programme=LIFE,
              types_of_action=["LIFE Standard Action Projects"], opening=today + timedelta(days=60),
              deadlines=[later], status="forthcoming", keywords=["Climate adaptation"]),
        topic("HORIZON-EIC-2027-ACCELERATOR-01", "EIC Accelerator", programme=HORIZON,
              types_of_action=["HORIZON EIC Grants"], opening=today - timedelta(days=30),
              deadlines=[soon, later], model="multiple cut-off", status="open"),
        topic("ERASMUS-EDU-2027-PI-ALL-INNO", "Partnerships for innovation", programme=ERASMUS,
              types_of_action=["ERASMUS Lump Sum Grants"], opening=today - timedelta(days=5), deadlines=[soon],
              status="open"),
        topic("EDF-2027-DA-C4ISR-01", "Command and control", programme=EDF,
              types_of_action=["EDF Development Actions"], opening=today - timedelta(days=5), deadlines=[soon],
              status="open"),
        topic("HORIZON-CL5-2027-D4-01-03", "Pilotes de mobilité urbaine zéro émission", programme=HORIZON,
              types_of_action=["HORIZON Innovation Actions"], opening=today - timedelta(days=20),
              deadlines=[soon], status="open", language="fr"),
    ])
