"""What the census pages read, in a world made with the factories: forms a tenant may start, the
approved versions, the protocols a campaign may open for, the standings a member sees."""

from datetime import date

from census import services
from census.models import SchemaStatus


def test_a_tenant_may_start_the_approved_schemas_of_the_campaign_it_has_not_answered(factories, db):
    campaign = factories.CampaignFactory(schema_keys=["mini", "other", "draft-only"])
    mini = factories.SurveySchemaFactory()
    other = factories.SurveySchemaFactory(definition={**factories.MINI_DEFINITION, "key": "other"})
    factories.SurveySchemaFactory(definition={**factories.MINI_DEFINITION, "key": "draft-only"},
                                  status=SchemaStatus.DRAFT)
    answered = factories.SubmissionFactory(campaign=campaign, schema=mini)

    assert services.startable_schemas(db, campaign, [answered]) == [other]
    assert services.startable_schemas(db, campaign, []) == [mini, other]
    assert services.startable_schemas(db, None, []) == []


def test_approved_versions_and_the_next_version_of_a_key(factories, db):
    factories.SurveySchemaFactory()
    factories.SurveySchemaFactory(definition={**factories.MINI_DEFINITION, "version": 2})
    factories.SurveySchemaFactory(definition={**factories.MINI_DEFINITION, "version": 3}, status=SchemaStatus.DRAFT)

    assert services.approved_versions(db) == {"mini": 2}
    assert services.next_schema_version(db, "mini") == 4
    assert services.next_schema_version(db, "new-key") == 1
    assert services.latest_schema(db, "mini").version == 3
    assert services.schema_keys(db) == ["mini"]


def test_a_campaign_may_open_for_a_protocol_without_one_due_after_its_census_months(factories, db):
    opened = factories.CampaignFactory()
    later = factories.ProtocolFactory(signed_on=date(2019, 8, 31))
    protocols = services.protocols_newest_first(db)
    assert protocols[0] == later
    assert services.openable_campaigns(protocols, [opened]) == [{"protocol": later, "due_on": date(2020, 2, 29)}]


def test_a_member_sees_the_standings_of_its_own_tenants_only(factories, db):
    campaign = factories.CampaignFactory()
    lucca, _massa = factories.TenantFactory(slug="lucca"), factories.TenantFactory(slug="massa")
    factories.SubmissionFactory(tenant=lucca, campaign=campaign)

    mine = services.visible_standings(db, campaign, regional=False, tenant_slugs=("lucca",))
    assert [(s.slug, s.submissions) for s in mine] == [("lucca", 1)]
    everyone = services.visible_standings(db, campaign, regional=True, tenant_slugs=())
    assert sorted(s.slug for s in everyone) == ["lucca", "massa"]
