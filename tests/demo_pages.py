"""Every page of the demo organisation a person can open, for the suites that look at all of
them (choice labels, accessibility, screenshots)."""

from __future__ import annotations

import re

from tests.routes import ui_routes


def demo_pages(client, demo, in_tenant):
    slug = demo.organization.slug
    for route in ui_routes():
        if "<" in route.route.replace("<slug:org_slug>", "").replace("<int:pk>", ""):
            continue
        pk = None
        if route.has_pk:
            model = route.model
            if model is None or not any(
                f.name == "organization" for f in model._meta.concrete_fields
            ):
                continue
            with in_tenant(demo.organization):
                pk = model.objects.order_by("pk").values_list("pk", flat=True).first()
            if pk is None:
                continue
        url = route.url(slug, pk)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        yield url, page
        if route.has_pk:
            for tab in sorted(set(re.findall(r'href="\?tab=([a-z_-]+)"', page))):
                tabbed = client.get(f"{url}?tab={tab}")
                if tabbed.status_code == 200:
                    yield f"{url}?tab={tab}", tabbed.content.decode()
