"""Who is on the other end of a request."""


def client_ip(request) -> str | None:
    """The address a request came from, as the web server saw it (REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or None
