import json

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def bootstrap_widget(field):
    """Render a bound field's widget with Bootstrap classes and ARIA ties to help/errors."""
    widget_type = field.widget_type
    if widget_type in {"select", "selectmultiple"}:
        css = "form-select"
    elif widget_type in {"checkboxselectmultiple", "radioselect"}:
        css = "me-1"  # plain boxes, one per line: a text-box style hid their ticks
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    described = []
    if field.help_text:
        described.append(f"{field.id_for_label}_help")
    if field.errors:
        described.append(f"{field.id_for_label}_error")
    attrs = {"class": css}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


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
