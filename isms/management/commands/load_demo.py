from django.core.management.base import BaseCommand

from isms.demo import DEMO_PASSWORD, DEMO_USERS, load_demo


class Command(BaseCommand):
    help = "Load the demo organisation and its people (idempotent)."

    def handle(self, *args, **options):
        context = load_demo()
        self.stdout.write(
            f"demo organisation '{context.organization.slug}' ready; logins: "
            + ", ".join(DEMO_USERS)
            + f" (password {DEMO_PASSWORD!r})"
        )
