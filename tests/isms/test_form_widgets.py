"""Forms keep what they show: dates in the form a browser can display, and lists of
checkboxes drawn as checkboxes (Bootstrap `form-check`), in every form of the product."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django import forms
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from suppliers.models import Question, SupplierAnswer
from tests.suppliers.test_portal import complete_post, issue_link, url

pytestmark = pytest.mark.django_db


def test_date_and_datetime_inputs_render_iso_8601_in_the_project_locale():
    """<input type="date"> shows only `YYYY-MM-DD`; en-GB's first input format is
    `DD/MM/YYYY`, which the browser shows blank and the next save wipes."""
    with translation.override("en-gb"):
        assert forms.DateInput(attrs={"type": "date"}).format_value(date(2030, 1, 25)) == (
            "2030-01-25"
        )
        assert (
            forms.DateTimeInput(attrs={"type": "datetime-local"}).format_value(
                datetime(2030, 1, 25, 14, 30)
            )
            == "2030-01-25T14:30"
        )
        # British input is still understood.
        assert forms.DateField().clean("25/01/2030") == date(2030, 1, 25)
        assert forms.DateTimeField().clean("2030-01-25T14:30").minute == 30


def test_a_supplier_date_answer_survives_a_save_of_the_page_unchanged(org_a, in_tenant):
    token, assessment_id = issue_link(org_a, in_tenant)
    with in_tenant(org_a):
        answer = SupplierAnswer.objects.filter(
            assessment_id=assessment_id, question__answer_type=Question.AnswerType.DATE
        ).first()
        assert answer is not None, "the starter question set asks for a date"
        SupplierAnswer.objects.filter(pk=answer.pk).update(date=date(2030, 1, 1))
    page = Client().get(url(token)).content.decode()
    field = re.search(rf'<input[^>]*name="a{answer.pk}_value"[^>]*>', page).group(0)
    assert 'value="2030-01-01"' in field, field

    data = complete_post(org_a, in_tenant, assessment_id, save="1")
    data[f"a{answer.pk}_value"] = "2030-01-01"  # what the browser sends back unchanged
    assert Client().post(url(token), data).status_code == 200
    with in_tenant(org_a):
        answer.refresh_from_db()
    assert answer.date == date(2030, 1, 1)


class _Categories(forms.Form):
    categories = forms.MultipleChoiceField(
        choices=[("personal", "Personal data"), ("health", "Health data")],
        widget=forms.CheckboxSelectMultiple,
        help_text="What goes in",
    )
    tier = forms.ChoiceField(
        choices=[("high", "High"), ("minimal", "Minimal")], widget=forms.RadioSelect
    )


def _render(form) -> str:
    template = Template(
        "{% load guardrail %}{{ form.categories|bootstrap_widget }}{{ form.tier|bootstrap_widget }}"
    )
    return template.render(Context({"form": form}))


def test_checkbox_and_radio_lists_use_form_check_markup_and_show_their_state():
    html = _render(_Categories(initial={"categories": ["health"], "tier": "high"}))
    assert "form-control" not in html
    inputs = re.findall(r"<input[^>]*>", html)
    assert len(inputs) == 4
    assert all('class="form-check-input"' in tag for tag in inputs)
    checked = [tag for tag in inputs if " checked" in tag]
    assert len(checked) == 2
    assert 'value="health"' in checked[0] and 'value="high"' in checked[1]
    assert html.count('class="form-check-label"') == 4 and "Health data" in html
    assert 'aria-describedby="id_categories_help"' in html


def test_an_invalid_choice_list_is_marked_for_the_user_and_assistive_technology():
    form = _Categories(data={"tier": "nonsense"})
    assert not form.is_valid()
    html = _render(form)
    assert html.count("form-check-input is-invalid") == 4
    assert 'aria-invalid="true"' in html
