"""`{% asset_reviews_panel asset %}`: the small Reviews panel on an asset's page."""

from django import template

register = template.Library()


@register.inclusion_tag("monitoring/reviews/_asset_panel.html", takes_context=True)
def asset_reviews_panel(context, asset):
    from monitoring.reviews.selectors import is_overdue, schedule_for_asset

    actor = context.get("actor")
    if actor is None or not actor.has_scope("monitoring:read"):
        return {"review_schedule": None}
    schedule = schedule_for_asset(asset.pk)
    return {
        "review_schedule": schedule,
        "review_overdue": schedule is not None and is_overdue(schedule),
        "review_org_slug": actor.organization.slug,
    }
