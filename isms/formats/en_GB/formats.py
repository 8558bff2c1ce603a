"""en-GB, with ISO 8601 first among the input formats (see isms/formats/__init__.py).
Everything not named here (display formats, separators) comes from Django's en_GB locale."""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2030-01-25: what <input type="date"> sends and shows
    "%d/%m/%Y",  # 25/01/2030
    "%d/%m/%y",  # 25/01/30
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",  # 2030-01-25T14:30: what <input type="datetime-local"> sends and shows
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
]
