"""``typodesk manage overview_rebuild``: count the overview's numbers again from scratch."""

from django.core.management.base import BaseCommand

from typodesk.overview import rollup


class Command(BaseCommand):
    help = "Rebuild the overview's counts from the findings, reports and status changes as they are now."

    def handle(self, *args, **options):
        counts = rollup.rebuild()
        self.stdout.write(
            f"overview rebuilt: {counts['report_days']} report days, {counts['pages']} pages, "
            f"{counts['sections']} sections, {counts['fix_buckets']} fix-time buckets"
        )
