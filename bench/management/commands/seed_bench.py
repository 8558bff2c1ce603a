from django.core.management.base import BaseCommand, CommandError

from bench import seed as bench_seed


class Command(BaseCommand):
    help = "Fill the database with the deterministic multi-tenant benchmark dataset."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--organizations", type=int, default=100)
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Size of the large organisation relative to the default (10,000 assets).",
        )
        parser.add_argument("--keep", action="store_true", help="Do not remove earlier bench data.")

    def handle(self, *args, seed: int, organizations: int, scale: float, keep: bool, **options):
        if not keep:
            removed = bench_seed.reset()
            if removed:
                self.stdout.write(f"removed {removed} rows of earlier bench data")
        plan = bench_seed.SeedPlan.scaled(seed, organizations, scale)
        try:
            bench_seed.seed(plan, log=self.stdout.write)
        except bench_seed.NotBenchData as refused:
            raise CommandError(str(refused)) from None
