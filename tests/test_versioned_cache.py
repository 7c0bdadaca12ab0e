"""Costly views kept until an audited write changes the data: the cadastre summary and the timeline."""

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
