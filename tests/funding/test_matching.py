"""The matching engine: hard criteria decide eligibility, soft criteria score, every pair is explained."""

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest

from funding.matching import LineProfile, MatchMatrix, ProjectProfile, explain_pair, line_timing
from funding.matching.naive import naive_rankings
from funding.reference import DOMAIN_BITS, KIND_BITS, BeneficiaryKind, Domain
from funding.territory import tokens_for_municipality
from tests.funding.test_api import CRITERIA

TODAY = date(2026, 11, 22)
FIRENZE = tokens_for_municipality("048017")
MOBILITY, ENERGY, GOVERNMENT = (
    DOMAIN_BITS[Domain.MOBILITY],
    DOMAIN_BITS[Domain.ENERGY],
    DOMAIN_BITS[Domain.GOVERNMENT],
)
MUNICIPALITY = KIND_BITS[BeneficiaryKind.MUNICIPALITY]
COMPANY = KIND_BITS[BeneficiaryKind.PARTICIPATED_COMPANY]


def project(**changes) -> ProjectProfile:
    base = ProjectProfile(
        id=1,
        primary_domain=MOBILITY,
        domains=MOBILITY | ENERGY,
        applicant_kinds=MUNICIPALITY | COMPANY,
        territories=FIRENZE,
        total_cost_cents=1_000_000_00,
        requested_cents=800_000_00,
        own_available_cents=200_000_00,
        partners=1,
    )
    return replace(base, **changes)


def line(**changes) -> LineProfile:
    base = LineProfile(
        id=10,
        domains=MOBILITY,
        beneficiary_kinds=MUNICIPALITY,
        territories=("IT-R09",),
        min_grant_cents=100_000_00,
        max_grant_cents=2_000_000_00,
        total_budget_cents=40_000_000_00,
        cofinancing_rate_bp=8000,
        opening_date=TODAY - timedelta(days=30),
        deadlines=(TODAY + timedelta(days=120),),
    )
    return replace(base, **changes)


def explained(p: ProjectProfile, ln: LineProfile, lang="it") -> dict[str, dict]:
    matrix = MatchMatrix([p], [ln], TODAY)
    codes = matrix.ranking(p.id)[0].codes
    return {c["criterion"]: c for c in explain_pair(p, ln, line_timing(ln, TODAY), codes, lang)}


def test_a_fitting_line_is_eligible_and_every_criterion_is_explained():
    matrix = MatchMatrix([project()], [line()], TODAY)
    match = matrix.ranking(1)[0]
    assert match.eligible
    criteria = explain_pair(project(), line(), line_timing(line(), TODAY), match.codes, "en")
    assert [c["criterion"] for c in criteria] == CRITERIA
    assert all(c["passed"] for c in criteria if c["kind"] == "hard")
    assert {c["criterion"]: c["detail"] for c in criteria}["territory"] == "Eligible territory: Tuscany"
    soft_points = sum(c["points"] for c in criteria if c["kind"] == "soft")
    assert soft_points == pytest.approx(match.score, abs=0.3)


@pytest.mark.parametrize(
    ("changes", "criterion", "detail_it"),
    [
        ({"deadlines": (TODAY - timedelta(days=1),)}, "deadline", "Scadenza passata il 2026-11-21"),
        ({"domains": ENERGY}, "domain", "Dominio Mobilità non ammesso (ammessi: Energia)"),
        (
            {"beneficiary_kinds": KIND_BITS[BeneficiaryKind.UNIVERSITY]},
            "beneficiary",
            "Nessun soggetto del progetto è ammesso (ammessi: Università)",
        ),
        ({"territories": ("IT-MZ",)}, "territory", "Progetto fuori dal territorio della linea (Mezzogiorno)"),
        (
            {"min_grant_cents": 900_000_00},
            "grant_range",
            "Richiesta di 800.000,00 EUR sotto il minimo di 900.000,00 EUR",
        ),
        (
            {"max_grant_cents": 500_000_00},
            "grant_range",
            "Richiesta di 800.000,00 EUR sopra il massimo di 500.000,00 EUR",
        ),
    ],
)
def test_each_hard_criterion_alone_makes_a_line_ineligible_and_says_why(changes, criterion, detail_it):
    criteria = explained(project(), line(**changes))
    failed = [name for name, c in criteria.items() if c["kind"] == "hard" and not c["passed"]]
    assert failed == [criterion]
    assert criteria[criterion]["detail"] == detail_it
    assert not MatchMatrix([project()], [line(**changes)], TODAY).ranking(1)[0].eligible


def test_trl_outside_the_range_excludes_only_when_both_sides_declare_it():
    assert not explained(project(trl=3), line(trl_min=5, trl_max=7))["trl"]["passed"]
    assert explained(project(trl=None), line(trl_min=5, trl_max=7))["trl"]["passed"]
    assert explained(project(trl=6), line(trl_min=5, trl_max=7))["trl"]["detail"] == "TRL 6 nell'intervallo 5-7"


def test_two_stage_lines_are_applied_to_by_the_first_stage():
    two = line(deadline_model="two_stage", deadlines=(TODAY + timedelta(days=10), TODAY + timedelta(days=200)))
    criteria = explained(project(), two, "en")
    assert criteria["deadline"]["passed"]
    assert criteria["deadline"]["detail"].startswith("First stage: Deadline 2026-12-02, in 10 days")
    assert not criteria["time_left"]["passed"]
    late = line(deadline_model="two_stage", deadlines=(TODAY - timedelta(days=5), TODAY + timedelta(days=200)))
    assert not explained(project(), late)["deadline"]["passed"]


def test_multiple_cut_offs_use_the_next_one_still_open():
    cutoffs = (TODAY - timedelta(days=40), TODAY + timedelta(days=45), TODAY + timedelta(days=160))
    timing = line_timing(line(deadline_model="multiple_cutoff", deadlines=cutoffs), TODAY)
    assert timing.apply_by == cutoffs[1] and timing.days_left == 45 and timing.later == cutoffs[2:]
    gone = line_timing(line(deadline_model="multiple_cutoff", deadlines=cutoffs[:1]), TODAY)
    assert gone.days_left < 0


def test_forthcoming_lines_are_eligible_and_say_when_they_open():
    soon = line(opening_date=TODAY + timedelta(days=20), deadlines=(TODAY + timedelta(days=150),))
    criteria = explained(project(), soon, "en")
    assert criteria["deadline"]["passed"]
    assert criteria["deadline"]["detail"].startswith("Opens on 2026-12-12.")


def test_cofinancing_burden_compares_own_share_with_what_the_project_has():
    criteria = explained(project(), line(cofinancing_rate_bp=7000), "en")
    assert not criteria["cofinancing"]["passed"]
    assert criteria["cofinancing"]["detail"] == (
        "Covers up to 70%: grant EUR 700,000.00, own share EUR 300,000.00, available EUR 200,000.00"
    )
    assert explained(project(), line(cofinancing_rate_bp=10000))["cofinancing"]["passed"]


def test_non_profit_applicants_get_the_higher_rate_of_an_innovation_action():
    innovation_action = line(cofinancing_rate_bp=7000, non_profit_rate_bp=10000)
    municipality = project(applicant_kinds=MUNICIPALITY)
    with_company = project(applicant_kinds=MUNICIPALITY | COMPANY)
    alone = explained(municipality, innovation_action, "en")["cofinancing"]
    assert alone["passed"]
    assert alone["detail"] == ("Covers up to 100% (non-profit applicants): grant EUR 800,000.00, own share "
                               "EUR 200,000.00, available EUR 200,000.00")
    assert explained(municipality, innovation_action)["cofinancing"]["detail"].startswith(
        "Copertura fino al 100% (enti senza scopo di lucro)")
    together = explained(with_company, innovation_action, "en")["cofinancing"]
    assert not together["passed"] and together["detail"].startswith("Covers up to 70%: grant EUR 700,000.00")
    scores = {m.id: m.score for m in MatchMatrix([replace(municipality, id=1), replace(with_company, id=2)],
                                                 [innovation_action], TODAY).line_ranking(10)}
    assert scores[1] > scores[2]


def test_partnership_needs_lower_the_score_without_excluding():
    alone = project(partners=0)
    consortium = line(partnership_required=True, min_partners=2)
    by_id = {m.id: m for m in MatchMatrix([alone], [line(id=1), replace(consortium, id=2)], TODAY).ranking(1)}
    assert by_id[1].eligible and by_id[2].eligible
    assert by_id[2].score < by_id[1].score
    assert not explained(alone, consortium)["partnership"]["passed"]


def test_eligible_lines_rank_before_better_scoring_ineligible_ones():
    closed_but_perfect = line(id=1, deadlines=(TODAY - timedelta(days=3),))
    open_but_tight = line(id=2, deadlines=(TODAY + timedelta(days=5),), cofinancing_rate_bp=5000)
    ranking = MatchMatrix([project()], [closed_but_perfect, open_but_tight], TODAY).ranking(1)
    assert [(m.id, m.eligible) for m in ranking] == [(2, True), (1, False)]


def test_a_line_ranks_every_project_of_the_region():
    projects = [
        project(id=1),
        project(id=2, primary_domain=ENERGY, domains=ENERGY),
        project(id=3, partners=0),
    ]
    ranking = MatchMatrix(projects, [line()], TODAY).line_ranking(10)
    assert [m.id for m in ranking][-1] == 2
    assert not ranking[-1].eligible


def test_re_ranking_after_a_project_change_matches_a_full_recomputation():
    rng = random.Random(7)
    projects, lines = random_projects(rng, 60), random_lines(rng, 80)
    matrix = MatchMatrix(projects, lines, TODAY)
    changed = replace(projects[17], requested_cents=30_000_00, partners=4, primary_domain=GOVERNMENT)
    matrix.update_project(changed)
    fresh = MatchMatrix([*projects[:17], changed, *projects[18:]], lines, TODAY)
    assert [(m.id, m.score, m.codes) for m in matrix.ranking(changed.id)] == [
        (m.id, m.score, m.codes) for m in fresh.ranking(changed.id)
    ]
    added = replace(projects[0], id=999)
    matrix.update_project(added)
    assert [m.id for m in matrix.ranking(999)] == [m.id for m in fresh.ranking(projects[0].id)]


def test_the_vectorised_engine_agrees_with_the_per_pair_loop_on_random_data():
    rng = random.Random(2017)
    projects, lines = random_projects(rng, 120), random_lines(rng, 150)
    matrix = MatchMatrix(projects, lines, TODAY, block=32)
    naive = naive_rankings(projects, lines, TODAY)
    for p in projects:
        assert [(m.id, m.eligible, m.score, m.codes) for m in matrix.ranking(p.id)] == naive[p.id]


def test_explanations_are_in_italian_by_default_and_in_english_on_request():
    it = explained(project(), line())
    en = explained(project(), line(), "en")
    assert it["cofinancing"]["label"] == "Onere di cofinanziamento"
    assert en["cofinancing"]["label"] == "Co-financing burden"
    assert it["time_left"]["detail"] == "120 giorni per preparare la domanda (consigliati almeno 30)"


def random_projects(rng: random.Random, count: int) -> list[ProjectProfile]:
    result = []
    municipalities = ["048017", "100005", "050026", "063049", "082053"]
    for i in range(count):
        primary = DOMAIN_BITS[rng.choice(list(Domain))]
        cost = rng.randint(10_000, 5_000_000) * 100
        requested = cost * rng.choice([40, 80, 100]) // 100
        result.append(
            ProjectProfile(
                id=i + 1,
                primary_domain=primary,
                domains=primary | DOMAIN_BITS[rng.choice(list(Domain))],
                applicant_kinds=rng.choice([MUNICIPALITY, MUNICIPALITY | COMPANY, COMPANY]),
                territories=tokens_for_municipality(rng.choice(municipalities)),
                total_cost_cents=cost,
                requested_cents=requested,
                own_available_cents=cost - requested + rng.choice([0, 50_000_00]),
                partners=rng.randint(0, 4),
                trl=rng.choice([None, 4, 7]),
            )
        )
    return result


def random_lines(rng: random.Random, count: int) -> list[LineProfile]:
    result = []
    for j in range(count):
        model = rng.choice(["single_stage", "two_stage", "multiple_cutoff"])
        first = TODAY + timedelta(days=rng.randint(-100, 200))
        deadlines = tuple(first + timedelta(days=90 * k) for k in range({"single_stage": 1}.get(model, 3)))
        if model == "two_stage":
            deadlines = deadlines[:2]
        result.append(
            LineProfile(
                id=j + 1,
                domains=sum(DOMAIN_BITS[d] for d in rng.sample(list(Domain), rng.randint(0, 3))),
                beneficiary_kinds=rng.choice([0, MUNICIPALITY, COMPANY, KIND_BITS[BeneficiaryKind.SME]]),
                territories=rng.choice([(), ("EU",), ("IT-R09",), ("IT-MZ",), ("IT-P048", "IT-P100")]),
                min_grant_cents=rng.choice([None, 50_000_00, 500_000_00]),
                max_grant_cents=rng.choice([None, 1_000_000_00, 3_000_000_00]),
                total_budget_cents=rng.choice([None, 2_000_000_00, 80_000_000_00]),
                cofinancing_rate_bp=rng.choice([5000, 7000, 10000]),
                non_profit_rate_bp=rng.choice([None, None, 10000]),
                opening_date=TODAY + timedelta(days=rng.randint(-200, 40)),
                deadlines=deadlines if rng.random() < 0.9 else (),
                deadline_model=model,
                partnership_required=rng.random() < 0.4,
                min_partners=rng.choice([0, 2]),
                trl_min=rng.choice([None, 5]),
                trl_max=rng.choice([None, 8]),
            )
        )
    return result
