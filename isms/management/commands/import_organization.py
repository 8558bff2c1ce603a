"""`manage.py import_organization export.zip --name "New name" [--slug new-address]`

Imports an organisation export (docs/org-export.md) as a NEW organisation; platform staff
run it. Prints the rows imported per model and the time taken.
"""

from django.core.management.base import BaseCommand, CommandError

from isms.lifecycle.importer import ImportRefused, import_organization


class Command(BaseCommand):
    help = "Import an organisation export ZIP as a new organisation."

    def add_arguments(self, parser):
        parser.add_argument("zip", help="the export's ZIP file")
        parser.add_argument("--name", required=True, help="the new organisation's name")
        parser.add_argument("--slug", help="its address (generated when left out)")

    def handle(self, *args, **options):
        try:
            result = import_organization(
                options["zip"],
                name=options["name"],
                slug=options.get("slug"),
                actor="manage.py import_organization",
            )
        except ImportRefused as error:
            raise CommandError(f"Import refused: {error}") from None
        except FileNotFoundError:
            raise CommandError(f"No such file: {options['zip']}") from None
        organization = result.organization
        for label, rows in sorted(result.rows.items()):
            if rows:
                self.stdout.write(f"  {label}: {rows}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {sum(result.rows.values())} rows, {result.files} files and "
                f"{len(result.users)} people ({result.users_created} new) as "
                f"{organization.name} (/o/{organization.slug}/) in {result.seconds:.2f}s."
            )
        )
