import json

from django import template
from django.forms.utils import flatatt
from django.utils.html import format_html, json_script
from django.utils.safestring import mark_safe

from isms.pickers import PickerSelect, PickerSelectMultiple
from isms.views.errors import take_refused_input

register = template.Library()


CHOICE_LISTS = {"checkboxselectmultiple", "radioselect"}


@register.filter
def bootstrap_widget(field):
    """Render a bound field's widget with Bootstrap classes and ARIA ties to help/errors.

    Lists of checkboxes and radio buttons get Bootstrap's `form-check` markup (an input and
    its label per choice): given `form-control`, they are drawn as an empty box."""
    if field.widget_type in CHOICE_LISTS:
        return _choice_list(field)
    widget_type = field.widget_type
    css = "form-select" if widget_type in {"select", "selectmultiple"} else "form-control"
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css, **_aria(field)}
    return field.as_widget(attrs=attrs)


def _aria(field) -> dict[str, str]:
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_error")
    attrs = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return attrs


def _choice_list(field):
    invalid = " is-invalid" if field.errors else ""
    items = []
    for choice in field.subwidgets:
        data = choice.data
        attrs = {
            **data["attrs"],
            "type": data["type"],
            "name": data["name"],
            "value": "" if data["value"] is None else data["value"],
            "class": f"form-check-input{invalid}",
        }
        attrs.pop("checked", None)
        if data["selected"]:
            attrs["checked"] = True
        items.append(
            format_html(
                '<div class="form-check"><input{}><label class="form-check-label" for="{}">{}'
                "</label></div>",
                flatatt(attrs),
                attrs.get("id", ""),
                data["label"],
            )
        )
    return format_html(
        '<div role="group" id="{}" aria-labelledby="{}_label"{}>{}</div>',
        field.auto_id or "",
        field.auto_id or "",
        flatatt(_aria(field)),
        mark_safe("".join(items)),  # noqa: S308 - each item is built with format_html
    )


@register.filter
def pretty_json(value) -> str:
    return mark_safe(  # noqa: S308 - escaped below
        template.defaultfilters.escape(json.dumps(value, indent=1, default=str, sort_keys=True))
    )


@register.simple_tag(takes_context=True)
def querystring_with(context, **updates) -> str:
    query = context["request"].GET.copy()
    for key, value in updates.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return "?" + query.urlencode()


@register.simple_tag
def audit_described(events, with_changes=True):
    """`{% audit_described events as rows %}`: the events in words (isms.audit_display)."""
    from isms.audit_display import describe

    return describe(events, with_changes=with_changes)


@register.filter
def choice_labels(obj, field_name: str) -> str:
    """A list field of choice values as its labels: `{{ supplier|choice_labels:"ai_services" }}`
    (an ArrayField or JSON list whose model field, or base field, declares choices)."""
    values = getattr(obj, field_name, None)
    if not values:
        return ""
    if isinstance(values, str):
        values = [values]
    model_field = obj._meta.get_field(field_name)
    base = getattr(model_field, "base_field", None)
    labels = dict(model_field.flatchoices or (base.flatchoices if base is not None else []))
    return ", ".join(str(labels.get(value, value)) for value in values)


@register.filter
def choice_word(value):
    """A stored choice value from a snapshot (whose model the page no longer knows) as its
    label: `{{ counts_key|choice_word }}` turns `in_progress` into "In progress"."""
    from isms.audit_display import code_label

    return code_label(value)


@register.simple_tag(takes_context=True)
def refused_input(context) -> str:
    """The input and reasons of the refusal that sent this person here (once), as a JSON
    script block for static/guardrail/refill.js, which fills the form in again."""
    request = context.get("request")
    kept = take_refused_input(request) if request is not None else None
    return json_script(kept, "refused-input") if kept else ""


@register.simple_tag
def picker(source, name, value="", *, id="", empty="—", scope="", multiple=False):
    """A searchable picker (isms.pickers) for hand-written filter bars: only the chosen
    option is in the page, picker.js searches the others as the user types."""
    widget_class = PickerSelectMultiple if multiple else PickerSelect
    widget = widget_class(source, scope=scope or None, empty_label=empty)
    attrs = {"id": id, "class": "form-select form-select-sm"}
    return widget.render(name, value or None, attrs=attrs)
