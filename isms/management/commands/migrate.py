"""`migrate`, run as the owner connection unless told otherwise.

The default connection is the application role, which may not change the schema; the
`owner` alias (DATABASE_URL) owns the tables. After migrating, isms.db_security re-applies
row-level security, the audit trigger and the grants.
"""

from django.core.management.commands.migrate import Command as DjangoMigrate


class Command(DjangoMigrate):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database="owner")
