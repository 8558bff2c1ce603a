"""The per-organisation snapshot in Redis, and the PostgreSQL fallback.

One Redis hash per organisation (`guardrail:usage:<org>`) holds `meta` (the settings facts,
the generation and epoch it was built at) and one field per tool key (`t:<key>`) and per
person key (`p:<key>`). A decision is one round trip (`HMGET meta t:<key> p:<key>` and the
epoch, pipelined) and no SQL.

Freshness: every committed change of an input (monitoring.usage.invalidation) bumps the
organisation's generation and deletes its hash; the next decision rebuilds it. A build
writes only if the generation it started from is still current (WATCH), so a build racing a
change never resurrects the old state. Safety nets: the hash expires after SNAPSHOT_TTL
seconds, and a process that found Redis unreachable bumps the global epoch once it reaches
it again (a change committed during the outage could not delete the hash).

One builder per organisation: a missing snapshot is built by the request that takes the
organisation's build lock (`SET NX` with an expiry); requests arriving meanwhile answer from
PostgreSQL instead of building it again (several gunicorn workers each rebuilding a large
organisation's snapshot held them all). Each build also draws a ticket (`INCR`) before it
reads PostgreSQL and publishes only over an older ticket, so a build that started earlier
(its lock expired, or a rebuild after the expiry raced it) never replaces a newer one, even
when no invalidation separated them (a queryset `update()` sends no signal).

Refreshed ahead of its expiry: a decision that reads a snapshot older than REFRESH_AFTER
answers from it and, once its response has gone out (Django's `request_finished`, sent when
the server closes the response), rebuilds it for the next ones. Under steady traffic no
decision waits for a rebuild; at the expiry one did, every minute (a bench-large build takes
~0.35 s: the run crossing it had p99 67 ms against 20 ms).

When Redis cannot be reached, the same facts are read from PostgreSQL for the one tool and
the one person asked about (monitoring.usage.facts), and the same rules decide.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.signals import request_finished

from monitoring.usage import facts

log = logging.getLogger(__name__)

SNAPSHOT_TTL = 60  # seconds
REFRESH_AFTER = SNAPSHOT_TTL // 2  # seconds: rebuilt after a response from then on
SOCKET_TIMEOUT = 0.25  # seconds: a dead Redis must not hold a gateway's request
# Publishing a large organisation's snapshot (10,000 assets: one HSET of several MB) takes
# longer than a decision's read may: with the read's timeout every build of the bench's large
# organisation failed, so every request rebuilt it and answered from PostgreSQL (0 req/s).
BUILD_TIMEOUT = 5  # seconds


@dataclass
class Facts:
    settings: dict
    tool: dict | None
    person: dict | None
    source: str  # "snapshot" or "database"
    built_at: float = 0.0  # the snapshot's build time (seconds since the epoch)


class _Client:
    """The Redis connection for snapshots, and whether it was lost since last reached."""

    def __init__(self):
        self.url: str | None = None
        self.client: redis.Redis | None = None
        self.builder: redis.Redis | None = None
        self.lost = False

    def get(self) -> redis.Redis:
        url = getattr(settings, "USAGE_REDIS_URL", None) or settings.REDIS_URL
        if self.client is None or url != self.url:
            self.url = url
            self.client = redis.Redis.from_url(
                url,
                socket_timeout=SOCKET_TIMEOUT,
                socket_connect_timeout=SOCKET_TIMEOUT,
                retry_on_timeout=False,
            )
            self.builder = redis.Redis.from_url(
                url,
                socket_timeout=BUILD_TIMEOUT,
                socket_connect_timeout=SOCKET_TIMEOUT,
                retry_on_timeout=False,
            )
        return self.client

    def get_builder(self) -> redis.Redis:
        self.get()
        return self.builder

    def reached(self, client: redis.Redis) -> None:
        if self.lost:
            self.lost = False
            client.incr(EPOCH_KEY)  # changes during the outage may not have reached us


_redis = _Client()
EPOCH_KEY = "guardrail:usage:epoch"


def snapshot_key(organization_id: int) -> str:
    return f"guardrail:usage:{organization_id}"


def generation_key(organization_id: int) -> str:
    return f"guardrail:usage:{organization_id}:generation"


def lock_key(organization_id: int) -> str:
    return f"guardrail:usage:{organization_id}:building"


def ticket_key(organization_id: int) -> str:
    """A counter every build draws from before reading PostgreSQL."""
    return f"guardrail:usage:{organization_id}:ticket"


def published_key(organization_id: int) -> str:
    """The ticket of the build whose snapshot was published last."""
    return f"guardrail:usage:{organization_id}:published"


BUILD_LOCK_MS = 30_000  # a crashed builder blocks rebuilding this long (decisions still answer)
RELEASE_LOCK = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)


def invalidate(organization_id: int) -> None:
    """After a committed change of an input: the next decision rebuilds the snapshot."""
    try:
        client = _redis.get()
        pipe = client.pipeline()
        pipe.incr(generation_key(organization_id))
        pipe.delete(snapshot_key(organization_id))
        pipe.execute()
        _redis.reached(client)
    except redis.RedisError:
        _redis.lost = True
        log.warning(
            "usage snapshot of organisation %s not invalidated: Redis unreachable", organization_id
        )


def lookup(organization_id: int, tool_key: str, person_key: str) -> Facts:
    """The facts for one decision: from the snapshot, (re)built if missing, or from
    PostgreSQL when Redis is unreachable. Runs inside the organisation's tenant context."""
    try:
        client = _redis.get()
        found = _read(client, organization_id, tool_key, person_key)
        if found is None and build_if_free(organization_id):
            found = _read(client, organization_id, tool_key, person_key)
        _redis.reached(client)
        if found is not None:
            if time.time() - found.built_at > REFRESH_AFTER:
                _refresh_due.add(organization_id)
            return found
    except redis.RedisError:
        _redis.lost = True
    return from_database(organization_id, tool_key, person_key)


# Organisations whose snapshot a decision of this request found due for a refresh.
_refresh_due: set[int] = set()


def refresh_due_snapshots(**_kwargs) -> None:
    """After the response: rebuild the snapshots this request found old (one builder per
    organisation, as ever). Never raises: the next decisions still have the current one."""
    from isms.tenancy import tenant_context

    while _refresh_due:
        organization_id = _refresh_due.pop()
        try:
            with tenant_context(organization_id, actor="usage snapshot refresh"):
                build_if_free(organization_id)
        except Exception:  # a refresh is an optimisation: log it, never fail the worker
            log.exception("usage snapshot of organisation %s not refreshed", organization_id)


request_finished.connect(refresh_due_snapshots, dispatch_uid="monitoring.usage.snapshot.refresh")


def build_if_free(organization_id: int) -> bool:
    """Build the snapshot unless another process is building it; whether this one built."""
    client = _redis.get_builder()
    token = uuid.uuid4().hex
    lock = lock_key(organization_id)
    if not client.set(lock, token, nx=True, px=BUILD_LOCK_MS):
        return False
    try:
        build(client, organization_id)
    finally:
        client.eval(RELEASE_LOCK, 1, lock, token)  # only our own lock, if still ours
    return True


def _read(client, organization_id: int, tool_key: str, person_key: str) -> Facts | None:
    pipe = client.pipeline(transaction=False)
    pipe.hmget(snapshot_key(organization_id), ["meta", f"t:{tool_key}", f"p:{person_key}"])
    pipe.get(EPOCH_KEY)
    (meta, tool, person), epoch = pipe.execute()
    if meta is None:
        return None
    meta = json.loads(meta)
    if meta["epoch"] != int(epoch or 0):
        return None
    return Facts(
        settings=meta["settings"],
        tool=json.loads(tool) if tool else None,
        person=json.loads(person) if person else None,
        source="snapshot",
        built_at=meta.get("built_at", 0.0),
    )


def build(client, organization_id: int) -> bool:
    """Build the organisation's snapshot from PostgreSQL and publish it atomically, unless
    an input changed meanwhile (then the next decision builds again) or a build that started
    later has published already; whether it was published."""
    generation = int(client.get(generation_key(organization_id)) or 0)
    epoch = int(client.get(EPOCH_KEY) or 0)
    ticket = client.incr(ticket_key(organization_id))
    settings_facts = facts.settings_facts()
    fields = {f"t:{k}": json.dumps(v) for k, v in facts.tool_facts(facts.register()).items()}
    people = facts.person_facts(facts.members_of(organization_id), settings_facts["policy_version"])
    fields.update({f"p:{k}": json.dumps(v) for k, v in people.items()})
    fields["meta"] = json.dumps(
        {
            "settings": settings_facts,
            "generation": generation,
            "epoch": epoch,
            "built_at": time.time(),
        }
    )
    staging = f"{snapshot_key(organization_id)}:building:{uuid.uuid4().hex}"
    pipe = client.pipeline()
    pipe.hset(staging, mapping=fields)
    pipe.expire(staging, SNAPSHOT_TTL)
    pipe.execute()
    with client.pipeline() as pipe:
        try:
            pipe.watch(generation_key(organization_id), EPOCH_KEY, published_key(organization_id))
            current = int(pipe.get(generation_key(organization_id)) or 0)
            newer = int(pipe.get(published_key(organization_id)) or 0) > ticket
            if current != generation or int(pipe.get(EPOCH_KEY) or 0) != epoch or newer:
                pipe.unwatch()
                client.delete(staging)
                return False
            pipe.multi()
            pipe.rename(staging, snapshot_key(organization_id))
            pipe.set(published_key(organization_id), ticket, ex=SNAPSHOT_TTL * 10)
            pipe.execute()
            return True
        except redis.WatchError:
            client.delete(staging)
            return False


def from_database(organization_id: int, tool_key: str, person_key: str) -> Facts:
    settings_facts = facts.settings_facts()
    tools = facts.tool_facts(facts.assets_matching(tool_key))
    people = facts.person_facts(
        facts.member_matching(organization_id, person_key), settings_facts["policy_version"]
    )
    return Facts(
        settings=settings_facts,
        tool=tools.get(tool_key),
        person=people.get(person_key),
        source="database",
    )
