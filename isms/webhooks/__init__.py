"""Webhooks: signed HTTP callbacks to an organisation's endpoints when something happens.

- events.emit() writes an event and its deliveries in the caller's transaction (the outbox);
- tasks send each delivery after the commit, retry with exponential back-off, and a beat
  sweep sends what a lost message left pending;
- targets refuses URLs that resolve to the deployment's own network (SSRF), at registration
  and again at each attempt;
- signing is the scheme receivers verify (docs/webhooks.md).
"""
