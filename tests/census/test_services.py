"""Census services on the real database: due dates, tenant states, both tenancy locks, history."""

from datetime import date

import pytest
from smartregion import tenancy
from smartregion.errors import Conflict, PreconditionFailed, PreconditionRequired, Unprocessable
from sqlalchemy import select, text

from census import services
from census.models import Campaign, Submission, TenantCampaignState
from tenants.models import Tenant


@pytest.fixture
def seeded(demo, db):
    tenants = {t.slug: t for t in db.scalars(select(Tenant))}
    campaign = db.scalar(select(Campaign))
    return tenants, campaign


def test_months_are_added_as_people_count_them():
    assert services.add_months(date(2017, 12, 27), 6) == date(2018, 6, 27)
    assert services.add_months(date(2017, 8, 31), 6) == date(2018, 2, 28)
    assert services.add_months(date(2018, 7, 15), 2) == date(2018, 9, 15)


def test_a_tenant_that_adheres_later_is_due_six_months_after_its_adhesion(seeded, db):
    tenants, campaign = seeded
    late_joiner = tenants["siena"]
    late_joiner.joined_on = date(2018, 3, 31)
    db.flush()
    rows = {s.slug: s for s in services.standings(db, campaign, today=date(2018, 7, 1))}
    assert rows["pisa"].due_on == date(2018, 6, 27)
    assert rows["siena"].due_on == date(2018, 9, 30)
    assert rows["pisa"].state is TenantCampaignState.LATE
    assert rows["siena"].state is TenantCampaignState.NOT_STARTED and not rows["siena"].late


def test_tenant_states_follow_their_submissions(seeded, db):
    tenants, campaign = seeded
    before_due = date(2018, 6, 1)
    rows = {s.slug: s for s in services.standings(db, campaign, today=before_due)}
    assert rows["firenze"].state is TenantCampaignState.IN_PROGRESS  # projects were returned
    assert rows["prato"].state is TenantCampaignState.IN_PROGRESS  # smart-services still a draft
    assert rows["pisa"].state is TenantCampaignState.NOT_STARTED

    firenze = tenants["firenze"].id
    returned = db.scalar(select(Submission).where(Submission.tenant_id == firenze,
                                                  Submission.schema_key == "projects"))
    services.submit_submission(db, firenze, returned.id, actor="firenze-comune")
    assert services.standings(db, campaign, tenant_ids=[firenze], today=before_due)[0].state \
        is TenantCampaignState.SUBMITTED
    for sub in db.scalars(select(Submission).where(Submission.tenant_id == firenze,
                                                   Submission.status == "submitted")):
        services.accept_submission(db, firenze, sub.id, actor="segreteria")
    standing = services.standings(db, campaign, tenant_ids=[firenze], today=before_due)[0]
    assert standing.state is TenantCampaignState.ACCEPTED and standing.completeness == 100
    # Handed in after the due date: accepted, and flagged as late.
    assert standing.late


def test_closing_freezes_lateness_and_opens_the_plan_window(seeded, db):
    _tenants, campaign = seeded
    with pytest.raises(Unprocessable):
        services.close_campaign(db, campaign.id, closed_on=date(2017, 1, 1), actor="segreteria")
    services.close_campaign(db, campaign.id, closed_on=date(2018, 6, 20), actor="segreteria")
    assert services.plan_due_on(db, campaign) == date(2018, 8, 20)
    rows = {s.slug: s for s in services.standings(db, campaign, today=date(2030, 1, 1))}
    assert rows["pisa"].state is TenantCampaignState.NOT_STARTED  # closed before its due date
    with pytest.raises(Conflict):
        services.close_campaign(db, campaign.id, actor="segreteria")
    with pytest.raises(Conflict):
        services.create_campaign(db, campaign.protocol_id, actor="segreteria")
    assert services.campaign_for_protocol(db, campaign.protocol_id).closed_on == date(2018, 6, 20)


def test_the_etag_guards_every_save(seeded, db):
    tenants, _campaign = seeded
    prato = tenants["prato"].id
    sub = services.create_submission(db, prato, schema_key="networks", schema_version=1, actor="prato-x")
    first_etag = sub.etag
    with pytest.raises(PreconditionRequired):
        services.update_submission(db, prato, sub.id, {}, if_match=None, actor="prato-utility")
    services.update_submission(db, prato, sub.id, {"respondent_name": "A"}, if_match=first_etag, actor="x")
    with pytest.raises(PreconditionFailed):
        services.update_submission(db, prato, sub.id, {"respondent_name": "B"}, if_match=first_etag,
                                   actor="y")
    services.update_submission(db, prato, sub.id, {"respondent_name": "B"}, if_match=f"W/{sub.etag}",
                               actor="y")
    history = services.submission_history(db, prato, sub.id)
    assert [(v.revision, v.answers) for v in history] == [
        (1, {}), (2, {"respondent_name": "A"}), (3, {"respondent_name": "B"})]


def test_a_retired_schema_takes_no_new_submissions(seeded, db):
    tenants, _campaign = seeded
    services.retire_schema(db, "networks", 1, actor="segreteria")
    with pytest.raises(Unprocessable) as excinfo:
        services.create_submission(db, tenants["pisa"].id, schema_key="networks", schema_version=1, actor="x")
    assert "retired" in excinfo.value.errors["schema_version"][0]


def test_the_orm_shows_a_tenant_only_its_own_submissions(seeded, db):
    tenants, _campaign = seeded
    db.commit()
    with tenancy.tenant_context(tenants["prato"].id):
        owners = set(db.scalars(select(Submission.tenant_id)))
        db.commit()
    assert owners == {tenants["prato"].id}


def test_row_level_security_hides_other_tenants_rows_from_raw_sql(seeded, db):
    tenants, _campaign = seeded
    db.commit()
    with tenancy.tenant_context(tenants["firenze"].id):
        rows = db.execute(text("SELECT DISTINCT tenant_id FROM census_submissions")).scalars().all()
        versions = db.scalars(text("SELECT DISTINCT tenant_id FROM census_submission_versions")).all()
        db.commit()
    assert rows == [tenants["firenze"].id] and versions == [tenants["firenze"].id]
    with tenancy.tenant_context(tenants["pisa"].id):
        assert db.execute(text("SELECT count(*) FROM census_submissions")).scalar() == 0
        db.commit()


def test_a_campaign_collects_only_existing_schemas(seeded, db):
    _tenants, campaign = seeded
    with pytest.raises(Unprocessable) as excinfo:
        services.create_campaign(db, campaign.protocol_id, schema_keys=["projects", "parks"], actor="segreteria")
    assert excinfo.value.errors == {"schema_keys": ["Unknown survey schema: parks."]}
