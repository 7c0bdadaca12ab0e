"""A feed's conformance over time: what it received per day, on its page (chart and table) and in the API."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from smartregion import tenancy
from smartregion.audit import AuditEvent
from sqlalchemy import select

from interoperability import services
from tests.interoperability.test_api import register_feed, streetlight

FEEDS = "/tenants/firenze/feeds"


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Rome")).date()


def _push_on(db, feed_id: int, day: date, entities: list) -> None:
    feed = services.get_feed(db, feed_id)
    with tenancy.tenant_context(feed.tenant_id):
        services.push_entities(db, feed.tenant_id, feed_id, entities, actor="test", day=day)
        db.commit()


def _history_rows(html: str) -> list[list[str]]:
    table = re.search(r'data-testid="feed-history">(.*?)</table>', html, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", "", cell).strip() for cell in cells])
    return rows


def _pushed_on_two_days(as_user, db) -> tuple[int, date]:
    """A feed with 2 of 3 entities conforming two days ago (two pushes) and 2 of 2 today."""
    utility = as_user("firenze-utility")
    feed_id = register_feed(utility).json["id"]
    earlier = _today() - timedelta(days=2)
    _push_on(db, feed_id, earlier, [streetlight(2), streetlight(3, status="broken")])
    _push_on(db, feed_id, earlier, [streetlight(4)])
    pushed = utility.post(f"/api/v1/tenants/firenze/feeds/{feed_id}/entities", json=[streetlight(5), streetlight(6)])
    assert pushed.status_code == 200
    return feed_id, earlier


def test_the_feed_page_shows_each_day_with_its_share_as_a_chart_and_a_table(demo, as_user, db, page_client):
    feed_id, earlier = _pushed_on_two_days(as_user, db)

    english = page_client("firenze-utility", lang="en").get(f"{FEEDS}/{feed_id}").get_data(as_text=True)
    assert _history_rows(english) == [
        [f"{earlier:%B} {earlier.day}, {earlier.year}", "3", "2", "1", "66.7%"],
        [f"{_today():%B} {_today().day}, {_today().year}", "2", "2", "0", "100%"],
    ]
    assert "Entities received and share conforming per day" in english
    assert 'data-chart-for="feed-history"' in english and 'data-chart-type="line"' in english
    assert 'data-value="66.67"' in english and 'data-value="100.00"' in english
    assert "/vendor/chart.js/chart.umd.min.js" in english
    # the totals are the sum of the days
    assert re.search(r'data-testid="feed-share">\s*80%', english)

    italian = page_client("firenze-utility").get(f"{FEEDS}/{feed_id}").get_data(as_text=True)
    first = _history_rows(italian)[0]
    assert first[0].startswith(f"{earlier.day} ") and first[0].endswith(str(earlier.year))
    assert first[4] == "66,7%"
    assert "Entità ricevute e percentuale di conformi per giorno" in italian


def test_the_api_answers_the_days_latest_first_a_page_at_a_time(demo, as_user, db):
    feed_id, earlier = _pushed_on_two_days(as_user, db)
    utility = as_user("firenze-utility")
    url = f"/api/v1/tenants/firenze/feeds/{feed_id}/conformance/history"

    answer = utility.get(url)
    assert answer.status_code == 200
    assert answer.json == [
        {"day": _today().isoformat(), "received": 2, "accepted": 2, "refused": 0, "share": 1.0},
        {"day": earlier.isoformat(), "received": 3, "accepted": 2, "refused": 1, "share": 0.6667},
    ]
    first = utility.get(f"{url}?page_size=1")
    assert [row["day"] for row in first.json] == [_today().isoformat()]
    assert json.loads(first.headers["X-Pagination"])["next_page"] == 2
    assert [row["day"] for row in utility.get(f"{url}?page=2&page_size=1").json] == [earlier.isoformat()]

    missing = utility.get("/api/v1/tenants/firenze/feeds/999999/conformance/history")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("application/problem+json")
    assert as_user("prato-utility").get(url).status_code == 404
    assert as_user("prato-utility").get(
        f"/api/v1/tenants/prato/feeds/{feed_id}/conformance/history").status_code == 404


def test_a_push_counts_its_day_in_the_same_transaction_and_the_audit_names_the_day(demo, as_user, db):
    feed_id = register_feed(as_user("firenze-utility")).json["id"]
    feed = services.get_feed(db, feed_id)
    day = date(2026, 3, 29)  # the day summer time starts in Rome
    with tenancy.tenant_context(feed.tenant_id):
        services.push_entities(db, feed.tenant_id, feed_id, [streetlight(2)], actor="test", day=day)
        db.rollback()  # nothing of a push that is not committed stays, its day's count included
        assert db.scalars(select(services.FeedDay).where(services.FeedDay.feed_id == feed_id)).all() == []
        services.push_entities(db, feed.tenant_id, feed_id, [streetlight(3, status="broken")], actor="test", day=day)
        db.commit()
        (row,) = db.scalars(select(services.FeedDay).where(services.FeedDay.feed_id == feed_id)).all()
    assert (row.day, row.received, row.accepted, row.refused, row.share) == (day, 1, 0, 1, 0.0)
    pushes = db.scalars(select(AuditEvent).where(AuditEvent.action == "interoperability.feed.push",
                                                 AuditEvent.entity_id == str(feed_id))).all()
    assert [event.after["day"] for event in pushes] == ["2026-03-29"]
