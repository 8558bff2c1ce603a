"""The public AI concern form: /concern/<token>/, outside any organisation's URL space.

No account: the token is the credential. Order per request: rate limit (per token hash and
per client address, Redis cache) → resolve the token (services.concern_session, which enters
the organisation's tenant context) → accept one report. Every refusal (unknown, revoked,
malformed, wrong method) is the same 404 page. Nothing can be read back: the page never
shows a report, a list, or the organisation's data beyond its name; after a report the
caller is redirected to a thank-you page that shows nothing of what was sent.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from monitoring.incidents import services
from monitoring.incidents.forms import ConcernForm

DEFAULT_RATE_LIMIT = {"per_token": 10, "per_ip": 30, "window": 600}


def _rate_limited(request, token: str) -> bool:
    conf = getattr(settings, "CONCERN_FORM_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    window = conf["window"]
    bucket = int(time.time() // window)
    address = request.META.get("REMOTE_ADDR", "unknown")
    over = False
    for key, limit in (
        (f"concern:token:{services.token_hash(token)[:32]}:{bucket}", conf["per_token"]),
        (f"concern:ip:{address}:{bucket}", conf["per_ip"]),
    ):
        cache.add(key, 0, timeout=window * 2)
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=window * 2)
            count = 1
        over = over or count > limit
    return over


def _secure(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


def refused(request) -> HttpResponse:
    return _secure(render(request, "incidents/concern/refused.html", status=404))


@never_cache
def concern_form(request, token: str):
    if request.method not in {"GET", "POST"}:
        return refused(request)
    if _rate_limited(request, token):
        response = render(request, "incidents/concern/too_many.html", status=429)
        conf = getattr(settings, "CONCERN_FORM_RATE_LIMIT", DEFAULT_RATE_LIMIT)
        response["Retry-After"] = str(conf["window"])
        return _secure(response)
    try:
        with services.concern_session(token) as channel:
            organization_name = channel.organization.name
            if request.method == "GET":
                form = ConcernForm()
                return _page(request, form, organization_name)
            form = ConcernForm(request.POST, request.FILES)
            if not form.is_valid():
                return _page(request, form, organization_name, status=400)
            try:
                services.concern_report(
                    channel=channel,
                    description=form.cleaned_data["description"],
                    system_name=form.cleaned_data["system_name"],
                    contact=form.cleaned_data["contact"],
                    upload=form.cleaned_data.get("file"),
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
                return _page(request, form, organization_name, status=400)
    except services.ConcernRefused:
        return refused(request)
    return _secure(HttpResponseRedirect(reverse("concern_thanks")))


def _page(request, form, organization_name: str, status: int = 200) -> HttpResponse:
    context = {"form": form, "organization_name": organization_name}
    return _secure(render(request, "incidents/concern/form.html", context, status=status))


@never_cache
def concern_thanks(request):
    return _secure(render(request, "incidents/concern/thanks.html"))
