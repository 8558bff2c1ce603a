"""Every log line names the request it belongs to (issue 18, "Production settings"; ISO/IEC
27001:2022 A.8.15 logging): Django's request log, our own loggers and security events, and
Celery tasks (the id of the request that queued them), through the console handler that
settings.LOGGING configures; the id is the X-Request-ID header of the response."""

from __future__ import annotations

import io
import logging
import re
from contextlib import contextmanager

import pytest
from celery import shared_task

from isms.celery import _carry_request_id
from isms.log_filters import RequestId, bound_request_id
from isms.models import Role

pytestmark = pytest.mark.django_db
LINE = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) \[(?P<id>[^\]]+)\] (?P<logger>\S+): ")


@contextmanager
def console_output():
    """The lines the configured console handler writes meanwhile."""
    [console] = [
        h for h in logging.getLogger().handlers if any(isinstance(f, RequestId) for f in h.filters)
    ]
    buffer = io.StringIO()
    previous = console.setStream(buffer)
    try:
        yield buffer
    finally:
        console.setStream(previous)


def lines(buffer: io.StringIO) -> list[str]:
    return [line for line in buffer.getvalue().splitlines() if line.strip()]


@shared_task(name="tests.request_ids.probe")
def _probe():
    logging.getLogger("monitoring.probe").info("task working")


def test_a_refused_request_and_a_security_event_log_the_response_request_id(
    client, client_for, org_a, member
):
    browser = client_for(member(org_a, Role.OFFICER))
    with console_output() as out:
        missing = browser.get("/o/alpha/no-such-page/")
    assert missing.status_code == 404
    logged = lines(out)
    assert any("Not Found: /o/alpha/no-such-page/" in line for line in logged), logged
    assert {LINE.match(line)["id"] for line in logged} == {missing["X-Request-ID"]}

    with console_output() as out:
        refused = client.post(
            "/accounts/login/", {"username": "nobody@example.test", "password": "wrong"}
        )
    logged = lines(out)
    assert any("security event login_failed" in line for line in logged), logged
    assert all(LINE.match(line) for line in logged), logged
    assert {LINE.match(line)["id"] for line in logged} == {refused["X-Request-ID"]}
    assert len(refused["X-Request-ID"]) == 32


def test_a_request_id_the_caller_sends_is_the_one_logged(client):
    with console_output() as out:
        answer = client.get("/o/unknown-org/", headers={"X-Request-ID": "trace-abc-12345"})
    assert answer["X-Request-ID"] == "trace-abc-12345"
    assert [LINE.match(line)["id"] for line in lines(out)] == ["trace-abc-12345"] * len(lines(out))


def test_a_task_logs_the_id_of_the_request_that_queued_it():
    headers: dict = {}
    with bound_request_id("queued-by-req-1"):
        _carry_request_id(headers=headers)  # what publishing the task adds to its message
    assert headers == {"request_id": "queued-by-req-1"}

    with console_output() as out:
        _probe.apply(headers=headers)
        _probe.apply(task_id="task-id-7777")  # queued outside any request: its own id
    ids = [(LINE.match(line)["id"], line.rsplit(": ", 1)[1]) for line in lines(out)]
    assert ("queued-by-req-1", "task working") in ids
    assert ("task-id-7777", "task working") in ids
    assert all(LINE.match(line) for line in lines(out))
