"""Log-in lock-out and password-reset throttling (issue 18, "Accounts and sessions").

Failed log-ins are counted per account name and per client address in the cache (Redis), in
a sliding window. Past the limit, the account name (or the address) is refused for the rest
of the window, even with the right password, so guessing stops paying. The same words answer
for an account that exists and one that does not: the lock reveals nothing.

When the cache is unreachable the counts are skipped (logged): people can still log in, and
the password validators and slow hashing still stand.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window_seconds: int


ACCOUNT = Limit("login:account", settings.LOGIN_FAILURES_PER_ACCOUNT, settings.LOGIN_LOCK_SECONDS)
ADDRESS = Limit("login:address", settings.LOGIN_FAILURES_PER_ADDRESS, settings.LOGIN_LOCK_SECONDS)
RESET_ACCOUNT = Limit("reset:account", settings.PASSWORD_RESETS_PER_HOUR, 3600)
RESET_ADDRESS = Limit("reset:address", settings.PASSWORD_RESETS_PER_HOUR * 4, 3600)


def _key(limit: Limit, subject: str) -> str:
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
    return f"{limit.name}:{digest}"


def _count(limit: Limit, subject: str | None) -> int:
    if not subject:
        return 0
    try:
        return int(cache.get(_key(limit, subject)) or 0)
    except Exception:  # the cache is down: do not lock people out of their work
        log.warning("lock-out counts unavailable (cache unreachable)", exc_info=True)
        return 0


def _add(limit: Limit, subject: str | None) -> int:
    if not subject:
        return 0
    key = _key(limit, subject)
    try:
        if cache.add(key, 1, timeout=limit.window_seconds):
            return 1
        return cache.incr(key)
    except Exception:
        log.warning("lock-out counts unavailable (cache unreachable)", exc_info=True)
        return 0


def _clear(limit: Limit, subject: str | None) -> None:
    if subject:
        try:
            cache.delete(_key(limit, subject))
        except Exception:
            log.warning("lock-out counts unavailable (cache unreachable)", exc_info=True)


def login_locked(account: str | None, address: str | None) -> bool:
    return (
        _count(ACCOUNT, account) >= ACCOUNT.attempts or _count(ADDRESS, address) >= ADDRESS.attempts
    )


def login_failed(account: str | None, address: str | None) -> bool:
    """Count a failure; True when this one locks the account name or the address."""
    by_account, by_address = _add(ACCOUNT, account), _add(ADDRESS, address)
    return by_account == ACCOUNT.attempts or by_address == ADDRESS.attempts


def login_succeeded(account: str | None) -> None:
    _clear(ACCOUNT, account)


def reset_allowed(account: str | None, address: str | None) -> bool:
    """Count a password-reset request; False past the hourly limit for either."""
    return (
        _add(RESET_ACCOUNT, account) <= RESET_ACCOUNT.attempts
        and _add(RESET_ADDRESS, address) <= RESET_ADDRESS.attempts
    )


LOCKED_MESSAGE = (
    "Too many failed log-ins for this account or from this address: log-in is paused for "
    "{minutes} minutes. If you have forgotten your password, reset it."
)
RESET_MESSAGE = "Too many password reset requests: wait an hour before asking again."


def locked_message() -> str:
    return LOCKED_MESSAGE.format(minutes=max(1, settings.LOGIN_LOCK_SECONDS // 60))
