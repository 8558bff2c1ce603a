"""`flush` through the owner connection.

The application role may not TRUNCATE (TRUNCATE ignores row-level security), so Django's
transactional tests, which flush `default` after each test, flush through the owner alias.
"""

from django.core.management.commands.flush import Command as DjangoFlush


class Command(DjangoFlush):
    def handle(self, **options):
        if options["database"] == "default":
            options["database"] = "owner"
        return super().handle(**options)
