"""What the plan editor reads, in a world made with the factories: each funding line's use by a plan."""

from funding.services import plan_editor


def _document(*sources):
    """A plan document with one municipality and one project per (title, line id, cents)."""
    return {"municipalities": [{"projects": [
        {"title": title, "funding_plan": [{"funding_line_id": line_id, "amount_cents": cents}]}
        for title, line_id, cents in sources]}]}


def test_each_line_shows_what_the_plan_asks_of_it_against_its_maximum_and_its_budget(factories, db):
    small = factories.FundingLineFactory(title="Piccolo bando", max_grant_cents=1_000, total_budget_cents=2_500)
    large = factories.FundingLineFactory(title="Grande bando")
    document = _document(("Lampioni", small.id, 1_500), ("Sensori", small.id, 1_200), ("Rete", large.id, 900),
                         ("Fondi propri", None, 5_000))

    rows = {row["line"].title: row for row in plan_editor.line_use(db, document)}
    assert rows["Piccolo bando"] == {"line": small, "cents": 2_700, "over_budget": True,
                                     "above_max": [("Lampioni", 1_500), ("Sensori", 1_200)]}
    assert rows["Grande bando"] == {"line": large, "cents": 900, "over_budget": False, "above_max": []}


def test_the_funding_plan_offers_every_line_by_programme_and_title(factories, db):
    second = factories.FundingLineFactory(title="B", programme="regional", level="regional")
    first = factories.FundingLineFactory(title="A", programme="regional", level="regional")
    other = factories.FundingLineFactory(title="C")
    assert plan_editor.lines_by_programme(db) == [other, first, second]
    tenant = factories.TenantFactory(slug="lucca")
    assert plan_editor.tenant_name(db, "lucca") == tenant.name
