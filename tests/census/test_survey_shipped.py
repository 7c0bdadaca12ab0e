"""The three survey schemas shipped for the census, and the demo answers that fill them."""

import json
from pathlib import Path

import pytest

import census
from census.surveys import SHIPPED_KEYS, FieldType, parse_definition, shipped_definition, shipped_definitions
from census.surveys.definition import iter_fields
from census.surveys.validation import validate_answers

DEMO = Path(census.__file__).parent / "data" / "demo"


def test_the_three_schemas_ship_as_version_1():
    assert [(d.key, d.version) for d in shipped_definitions()] == [
        ("networks", 1), ("projects", 1), ("smart-services", 1)]
    assert set(SHIPPED_KEYS) == {d.key for d in shipped_definitions()}


@pytest.mark.parametrize("key", SHIPPED_KEYS)
def test_every_question_is_labelled_in_italian_and_english(key):
    definition = shipped_definition(key)
    assert definition.title.it != definition.title.en
    for section in definition.sections:
        assert section.title.it and section.title.en
    for path, field in iter_fields(definition.fields):
        assert field.label.it.strip() and field.label.en.strip(), path
        assert field.label.it != field.label.en, path
        for choice in field.choices:
            assert choice.label.it and choice.label.en


@pytest.mark.parametrize("key", SHIPPED_KEYS)
def test_the_stored_form_parses_back_to_the_same_schema(key):
    definition = shipped_definition(key)
    assert parse_definition(json.loads(json.dumps(definition.to_dict()))) == definition


@pytest.mark.parametrize(("key", "group"), [("smart-services", "services"), ("projects", "projects")])
def test_services_and_projects_are_classified_by_the_anci_domains(key, group):
    domain = next(f for f in shipped_definition(key).field(group).fields if f.key == "domain")
    assert domain.required and domain.type is FieldType.CHOICE and domain.code_list == "anci-domains"
    assert [c.label.en for c in domain.choices] == [
        "Energy", "Environment", "Mobility", "Government", "Economy", "People", "Living", "Planning"]
    assert domain.choice_label("mobility").it == "Mobilità"


def test_networks_use_the_categories_of_the_national_infrastructure_cadastre():
    category = shipped_definition("networks").field("networks").fields[0]
    assert category.key == "category" and category.code_list == "sinfi-network-categories"
    assert {"electricity", "gas", "water_supply", "sewerage", "district_heating", "telecommunications",
            "public_lighting", "oil_pipelines"} <= set(category.codes)
    length = next(f for f in shipped_definition("networks").field("networks").fields if f.key == "length")
    assert length.type is FieldType.DECIMAL and length.unit == "km" and length.required


def test_project_amounts_are_money_in_euro():
    projects = shipped_definition("projects").field("projects")
    budget = next(f for f in projects.fields if f.key == "budget")
    assert budget.type is FieldType.MONEY and budget.currency == "EUR" and budget.required


@pytest.mark.parametrize("path", sorted(DEMO.glob("*.json")), ids=lambda p: p.name)
def test_demo_answers_are_valid(path):
    _tenant, key, _ext = path.name.split(".")
    report = validate_answers(shipped_definition(key), json.loads(path.read_text(encoding="utf-8")))
    assert report.errors == {}
    if path.name == "prato.smart-services.json":
        assert not report.is_complete and 0 < report.completeness < 100
    else:
        assert report.is_complete and report.completeness == 100


def test_a_wrong_choice_in_a_shipped_schema_names_the_allowed_codes():
    answers = json.loads((DEMO / "firenze.projects.json").read_text(encoding="utf-8"))
    answers["projects"][0]["domain"] = "tourism"
    errors = validate_answers(shipped_definition("projects"), answers).errors
    assert list(errors) == ["/projects/0/domain"]
    assert "energy, environment, mobility" in errors["/projects/0/domain"][0]


def test_an_unknown_shipped_schema_is_a_key_error():
    with pytest.raises(KeyError):
        shipped_definition("smart-services", 9)
