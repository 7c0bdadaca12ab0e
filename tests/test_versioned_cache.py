"""Costly views kept until an audited write changes the data: the cadastre summary, the timeline, the asset
page and a submission; the tenants list read as rows."""

import json

import psycopg
from smartregion import audit
from smartregion.cache import VersionedCache, data_version, tenant_data_version
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tenants.models import Tenant


def _owner(owner_url):
    return psycopg.connect(make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False),
                           autocommit=True)


def test_versions_move_with_audited_writes_only(demo, db):
    firenze = db.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
    region, tenant = data_version(db), tenant_data_version(db, firenze)
    db.scalars(select(Tenant)).all()
    assert (data_version(db), tenant_data_version(db, firenze)) == (region, tenant)
    audit.record(db, action="test.touch", entity_type="test", tenant_id=firenze, actor="t")
    assert data_version(db) != region and tenant_data_version(db, firenze) != tenant
    assert tenant_data_version(db, 987654) is None


def test_a_value_without_version_is_never_kept():
    cache, calls = VersionedCache(size=2), []
    build = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert [cache.get_or_build("k", None, build) for _ in range(2)] == [1, 2]
    assert [cache.get_or_build("k", "v1", build) for _ in range(2)] == [3, 3]
    assert cache.get_or_build("k", "v2", build) == 4
    cache.get_or_build("a", "v", build), cache.get_or_build("b", "v", build)  # "k" is pushed out
    assert cache.get_or_build("k", "v2", build) == 7


def test_the_cadastre_summary_follows_the_tenants_audited_writes(as_user, db, owner_url):
    prato = db.scalar(select(Tenant.id).where(Tenant.slug == "prato"))
    reader = as_user("prato-comune")

    def lighting_points() -> int:
        categories = reader.get("/api/v1/tenants/prato/cadastre").json["categories"]
        return sum(c["assets"] for c in categories if c["category"] == "public-lighting")

    before = lighting_points()
    with _owner(owner_url) as conn:  # rows written behind the platform's back, without an audit event
        conn.execute("INSERT INTO inventory_assets (tenant_id, kind, asset_id, category, longitude, latitude, "
                     "length_m, attributes, upload_id, line) SELECT %s, 'public-lighting', 'X-' || n, "
                     "'public-lighting', 11.1, 43.9, 0, '{}', 0, n FROM generate_series(1, 3) n", (prato,))
    assert lighting_points() == before  # kept: no audited write since
    audit.record(db, action="census.inventory.batch", entity_type="inventory_upload", tenant_id=prato, actor="t")
    db.commit()
    assert lighting_points() == before + 3


def test_the_tenants_list_rows_are_what_the_tenant_schema_dumps(as_user, db, demo):
    from tenants.schemas import TenantSchema
    from tenants.services import tenants_query

    listed = as_user("segreteria").get("/api/v1/tenants", query_string={"page_size": 10})
    assert listed.status_code == 200
    assert listed.json == TenantSchema(many=True).dump(db.scalars(tenants_query()).all())
    own = as_user("firenze-comune").get("/api/v1/tenants")
    assert own.json == TenantSchema(many=True).dump(db.scalars(tenants_query(slugs=("firenze",))).all())


def _new_draft(client, slug):
    response = client.post(f"/api/v1/tenants/{slug}/census/submissions",
                           json={"schema_key": "projects", "schema_version": 1, "answers": {}})
    assert response.status_code == 201, response.json
    return response


def test_a_cached_submission_shows_its_own_writer_the_write_at_once(as_user):
    officer = as_user("prato-comune")
    created = _new_draft(officer, "prato")
    url = f"/api/v1/tenants/prato/census/submissions/{created.json['id']}"
    first = officer.get(url)
    assert first.get_data() == officer.get(url).get_data()  # the kept answer, byte for byte
    assert first.headers["ETag"] == created.headers["ETag"]
    answers = {"projects": [{"title": "Illuminazione intelligente"}]}
    saved = officer.put(url, json={"answers": answers}, headers={"If-Match": first.headers["ETag"]})
    assert saved.status_code == 200, saved.json
    again = officer.get(url)
    assert again.json["answers"] == answers and again.json["revision"] == saved.json["revision"]
    assert again.headers["ETag"] == saved.headers["ETag"] != first.headers["ETag"]


def test_cached_answers_stay_with_their_tenant(as_user, db, owner_url):
    prato = as_user("prato-comune")
    sub_id = _new_draft(prato, "prato").json["id"]
    assert prato.get(f"/api/v1/tenants/prato/census/submissions/{sub_id}").status_code == 200  # now kept
    firenze = as_user("firenze-comune")
    assert firenze.get(f"/api/v1/tenants/firenze/census/submissions/{sub_id}").status_code == 404
    assert firenze.get(f"/api/v1/tenants/prato/census/submissions/{sub_id}").status_code == 404
    # The same page of assets, asked in two tenants: each gets its own rows.
    ids = dict(db.execute(select(Tenant.slug, Tenant.id).where(Tenant.slug.in_(("firenze", "prato")))).all())
    with _owner(owner_url) as conn:
        for slug, tenant_id in ids.items():
            conn.execute("INSERT INTO inventory_assets (tenant_id, kind, asset_id, category, longitude, latitude, "
                         "length_m, attributes, upload_id, line) SELECT %s, 'urban-trees', %s || n, "
                         "'urban-trees', 11.1, 43.9, 0, '{}', 0, n FROM generate_series(1, 3) n",
                         (tenant_id, f"{slug.upper()}-"))
    for tenant_id in ids.values():
        audit.record(db, action="census.inventory.batch", entity_type="inventory_upload", tenant_id=tenant_id,
                     actor="t")
    db.commit()
    query = {"category": "urban-trees"}
    for slug, client in (("prato", prato), ("firenze", firenze), ("prato", prato), ("firenze", firenze)):
        page = client.get(f"/api/v1/tenants/{slug}/assets", query_string=query)
        assert page.status_code == 200
        assert {a["asset_id"] for a in page.json} == {f"{slug.upper()}-{n}" for n in (1, 2, 3)}
    assert firenze.get("/api/v1/tenants/prato/assets", query_string=query).status_code == 404


def test_the_asset_page_follows_the_tenants_audited_writes(as_user, db, owner_url):
    prato = db.scalar(select(Tenant.id).where(Tenant.slug == "prato"))
    reader = as_user("prato-comune")
    audit.record(db, action="test.touch", entity_type="test", tenant_id=prato, actor="t")
    db.commit()
    before = reader.get("/api/v1/tenants/prato/assets", query_string={"count": "true"})
    total = json.loads(before.headers["X-Pagination"])["total"]
    with _owner(owner_url) as conn:  # rows written behind the platform's back, without an audit event
        conn.execute("INSERT INTO inventory_assets (tenant_id, kind, asset_id, category, longitude, latitude, "
                     "length_m, attributes, upload_id, line) SELECT %s, 'public-lighting', 'Y-' || n, "
                     "'public-lighting', 11.1, 43.9, 0, '{}', 0, n FROM generate_series(1, 2) n", (prato,))
    kept = reader.get("/api/v1/tenants/prato/assets", query_string={"count": "true"})
    assert json.loads(kept.headers["X-Pagination"])["total"] == total  # kept: no audited write since
    audit.record(db, action="census.inventory.batch", entity_type="inventory_upload", tenant_id=prato, actor="t")
    db.commit()
    after = reader.get("/api/v1/tenants/prato/assets", query_string={"count": "true"})
    assert json.loads(after.headers["X-Pagination"])["total"] == total + 2
