"""Signed, short-lived download links for answer files.

A link names the answer, the person it was made for and the organisation, signed with the
project's secret and valid for `LINK_SECONDS`: a link copied out of the page stops working
within minutes, works for nobody else, and is refused outright once the auditor's
engagement or membership has ended (the download view also asks the policy).
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

LINK_SECONDS = 300
SALT = "monitoring.engagements.download"


class LinkRefused(Exception):
    pass


def signed_url(actor, answer) -> str:
    token = signing.dumps(
        {"a": answer.pk, "u": actor.user_id, "o": actor.organization.pk}, salt=SALT, compress=True
    )
    return reverse("engagement_file", args=[actor.organization.slug, token])


def answer_id_from(token: str, actor) -> int:
    """The answer a link names, if it is genuine, fresh and made for this actor."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_SECONDS)
    except signing.SignatureExpired:
        raise LinkRefused(
            "This download link has expired: reload the page for a new one."
        ) from None
    except signing.BadSignature:
        raise LinkRefused("This download link is not valid.") from None
    if data.get("u") != actor.user_id or data.get("o") != actor.organization.pk:
        raise LinkRefused("This download link was made for someone else.")
    return int(data["a"])
