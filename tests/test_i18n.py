"""One translation path: outputs that name their language read the same catalogue as the pages."""

import pytest
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from smartregion.i18n import in_both, translate


def test_a_label_is_read_in_the_language_asked_for_whatever_the_page_speaks(app):
    with app.test_request_context("/?lang=en"):
        assert in_both(_l("Auditor")) == ("Revisore", "Auditor")
        assert translate("Forbidden", "it") == "Accesso negato"
        assert gettext("Forbidden") == "Forbidden", "the page keeps its own language afterwards"


def test_values_fill_the_message_after_translation(app):
    with app.app_context():
        assert translate("%(count)s rows", "en", count=3) == "3 rows"


def test_an_unknown_language_or_no_application_is_a_clear_error(app):
    with app.app_context(), pytest.raises(ValueError, match="Unknown language 'fr'"):
        translate("Forbidden", "fr")
    with pytest.raises(RuntimeError, match="in the application's context"):
        translate(_l("Forbidden"), "it")


def test_a_message_id_is_read_from_the_catalogue_even_outside_the_application():
    assert translate("Forbidden", "it") == "Accesso negato"
    assert translate("draft", "it", context="census state") == "bozza"
    assert translate("Not in the catalogue", "it") == "Not in the catalogue"


def test_a_message_with_values_is_read_back_from_its_english_and_said_in_italian():
    from smartregion.i18n import Shape

    shape = Shape("Longer than %(count)s characters.")
    assert shape.read("Longer than 500 characters.", "it") == "Più lungo di 500 caratteri."
    assert shape.read("Longer than 500 characters.", "en") == "Longer than 500 characters."
    assert shape.read("Shorter than 5 characters.", "it") is None, "a text of another shape is not its"
    doubled = Shape("%(name)s and %(name)s")
    assert doubled.read("a and b", "en") is None, "a value named twice must be the same text twice"


def test_something_named_by_a_message_reads_it_in_each_language(app):
    from smartregion.i18n import Labelled

    class Role(Labelled):
        message = "Auditor"

    with app.test_request_context("/?lang=en"):
        assert (Role().label, Role().label_it, Role().label_en, Role().label_in("it")) == (
            "Auditor", "Revisore", "Auditor", "Revisore")
