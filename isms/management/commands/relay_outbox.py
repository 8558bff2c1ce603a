"""Send the task outbox's pending rows now (what beat and a starting worker also do)."""

from django.core.management.base import BaseCommand

from isms.outbox import relay


class Command(BaseCommand):
    help = "Send every organisation's pending background work to the task queue."

    def handle(self, *args, **options):
        result = relay()
        self.stdout.write(f"sent {result.sent} task(s)")
        if result.broker_down:
            self.stderr.write("the task queue is unreachable: the rest stay pending")
            raise SystemExit(1)
