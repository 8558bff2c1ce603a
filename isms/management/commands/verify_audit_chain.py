"""`manage.py verify_audit_chain [--organization SLUG …]`: recompute each organisation's audit
hash chain (isms.audit_chain) as the application role, one tenant context per organisation.

Prints one line per organisation; exits with an error naming the organisations whose chain
is broken, so a scheduler or CI job notices.
"""

from django.core.management.base import BaseCommand, CommandError

from isms.audit_chain import verify_chain
from isms.models import Organization


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain of every (or the named) organisation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--organization", action="append", default=[], metavar="SLUG", help="repeatable"
        )

    def handle(self, *args, organization: list[str], **options):
        organizations = Organization.objects.order_by("slug")
        if organization:
            organizations = organizations.filter(slug__in=organization)
            unknown = set(organization) - set(organizations.values_list("slug", flat=True))
            if unknown:
                raise CommandError(f"No organisation with slug {', '.join(sorted(unknown))}.")
        broken = []
        for org in organizations:
            result = verify_chain(org.pk)
            if result.intact:
                head = result.head
                where = f"head event {head.event_id} {head.hash}" if head else "no events"
                self.stdout.write(f"{org.slug}: intact, {result.events_checked} events, {where}")
            else:
                broken.append(org.slug)
                link = result.broken
                self.stdout.write(
                    f"{org.slug}: BROKEN ({link.kind}, position {link.position}, "
                    f"event {link.event_id}): {link.detail}"
                )
        if broken:
            raise CommandError(f"Audit chain broken for: {', '.join(broken)}.")
