"""The periodic job checks census inventory assets against the regional standard of their kind."""

from smartregion import tenancy
from smartregion.jobs import JobContext
from sqlalchemy import select

from census.inventories.models import InventoryAsset
from interoperability import jobs as interop_jobs
from interoperability.models import InventoryCheck
from tenants.models import Tenant


def _asset(tenant_id, asset_id, lat, lon, **attributes):
    return InventoryAsset(tenant_id=tenant_id, kind="public-lighting", asset_id=asset_id, category="public-lighting",
                          operator="Firenze Servizi Esempio", latitude=lat, longitude=lon, length_m=0.0,
                          attributes=attributes, upload_id=1, line=2)


def test_periodic_check_reads_the_inventory_and_stores_a_verdict_per_asset(app, demo, db):
    firenze = db.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
    with tenancy.tenant_context(firenze):
        db.add_all([_asset(firenze, "FI-0001", 43.7696, 11.2558, power_w=40.0, street="Via dei Calzaiuoli"),
                    _asset(firenze, "FI-0002", 43.7712, 11.2490, installed_on="2019-13-45")])
        db.commit()
    with app.app_context():
        ctx = JobContext(job_id="no-such-job", session=db, tenant_id=None, app=app)
        totals = interop_jobs.check_inventories(ctx)
        db.commit()
    assert totals["checked"] >= 2
    verdicts = {row.asset_id: row for row in db.scalars(select(InventoryCheck))}
    assert verdicts["FI-0001"].valid is True
    assert verdicts["FI-0002"].valid is False
    assert any("dateServiceStarted" in str(error) for error in verdicts["FI-0002"].errors)
