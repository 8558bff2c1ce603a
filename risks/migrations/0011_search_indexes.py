"""The risk register's search (risks.filters.RiskFilterSet.search: title or description)
reads only the matching rows."""

from django.db import migrations

from isms.migration_support import search_indexes


class Migration(migrations.Migration):
    dependencies = [("risks", "0010_fundamental_rights_assessment")]

    operations = [search_indexes("risks_risk", contains=("title", "description"))]
