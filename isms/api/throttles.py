"""API rate limits: one budget per API key and one per person, whatever organisation they call.

A key's budget is its own (an integration that loops cannot starve the people of its
organisation); a person's budget follows the person across organisations and sessions. Over
budget, the API answers 429 with `Retry-After` (seconds) in the error shape of isms.api.errors.

Rates are read from settings on each request (`API_RATE_PER_KEY`, `API_RATE_PER_USER`, in DRF's
"N/period" form) so that a deployment tunes them without code. The counters live in the cache;
when the cache is down the limit is not applied (a broken Redis must not take the API down).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class ActorRateThrottle(SimpleRateThrottle):
    cache = cache
    scope = "actor"

    def get_rate(self) -> str | None:  # rate chosen per request in get_cache_key
        return None

    def allow_request(self, request, view) -> bool:
        actor = getattr(request, "auth", None)
        key_id = getattr(getattr(actor, "api_key", None), "pk", None)
        user_id = getattr(actor, "user_id", None)
        if key_id is not None:
            self.rate, ident = settings.API_RATE_PER_KEY, f"key:{key_id}"
        elif user_id is not None:
            self.rate, ident = settings.API_RATE_PER_USER, f"user:{user_id}"
        else:
            return True  # unauthenticated: refused by authentication, not counted
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = f"throttle:api:{ident}"
        try:
            self.history = self.cache.get(self.key, [])
            self.now = self.timer()
            while self.history and self.history[-1] <= self.now - self.duration:
                self.history.pop()
            if len(self.history) >= self.num_requests:
                return self.throttle_failure()
            return self.throttle_success()
        except Exception:
            logger.warning("API rate limit not applied: the cache is unavailable", exc_info=True)
            return True
