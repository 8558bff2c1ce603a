"""The WSGI application gunicorn serves (docker compose, `make run`, `make bench`).

Once the application and its URLconf are loaded, the objects they made (some 220,000:
modules, classes, URL patterns, model and serializer metadata) are moved to the cyclic
garbage collector's permanent generation (`gc.freeze()`). They live as long as the worker,
yet every full collection walked them all: measured in-process on bench-large, a full
collection took 227 ms against 7 ms with them frozen, and it struck about once in 1,000
decisions or 100 dashboards, the request that met it waiting that long. (Too rare to move
the decision bench's p99 in 5-40 s runs: measured 7-15 ms with and without the freeze.)
Reference counting still frees them if they are ever dropped; only cycles among them stay.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isms.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 (imports every view module now, not at a request)
gc.collect()
gc.freeze()
