"""The demo organisation looks alive on the new dashboard (issue 12, "Done when"): weeks of
check history drawn as a trend, overdue reviews and a failing check shown in red, every red
figure linking to what needs doing, and the officer's portfolio comparing both of their
organisations."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from isms.controls.loader import load_control_library
from isms.demo import load_demo
from isms.models import Role

pytestmark = pytest.mark.django_db


def figure(html: str, label: str) -> tuple[int, str, str]:
    """(value, link, tone) of the home page's figure card with this label."""
    (card,) = [c for c in html.split("figure-card h-100")[1:] if f">{label}</a>" in c]
    tone = re.match(r" border-(\w+)", card).group(1)
    value = re.search(r'class="display-6"[^>]*>(\d+)<', card).group(1)
    link = re.search(r'<a href="([^"]+)" class="stretched-link">', card).group(1)
    return int(value), link.replace("&amp;", "&"), tone


def test_the_demo_dashboard_is_red_where_work_waits_and_links_to_it():
    load_control_library()
    demo = load_demo()
    client = Client()
    client.force_login(demo.users[Role.OFFICER])
    html = client.get("/o/demo/").content.decode()
    reviews, reviews_url, tone = figure(html, "Reviews overdue")
    assert reviews >= 2 and tone == "danger" and reviews_url.endswith("?overdue=true")
    failing, checks_url, tone = figure(html, "Control checks failing")
    assert failing >= 1 and tone == "danger" and checks_url.endswith("?status=fail")
    assert html.count("<circle") >= 28  # weeks of daily check history in the trend
    assert 'data-framework="iso27001-2022"' in html and "still to do" in html
    # Each red figure opens the list of exactly what needs doing.
    listed = client.get(reviews_url).content.decode()
    assert "Marketing chat assistant" in listed and "Code assistant" not in listed
    assert "ai_metric_thresholds" in client.get(checks_url).content.decode()
    portfolio = client.get("/portfolio/").content.decode()
    assert 'data-org="demo"' in portfolio and 'data-org="northwind"' in portfolio
    assert "Figures not computed yet" not in portfolio
