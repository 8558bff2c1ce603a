"""SOC 2 Type II becomes an attestation over a period (issue 16): a report period and a bridge
letter, with `valid_until` derived (period end plus twelve months, or the bridge letter's
date when later). Existing SOC 2 rows were entered with a validity date: their period end is
taken as that date less twelve months, so the derived date is unchanged. AI-era contract
clauses join the checklist (5.20; ISO 42001 A.10.2-A.10.3)."""

from django.db import migrations, models

from isms.migration_support import execute_for_each_organization


def fill_soc2_periods(apps, schema_editor):
    execute_for_each_organization(
        apps,
        schema_editor,
        "UPDATE suppliers_suppliercertification SET period_end = "
        "(valid_until - INTERVAL '12 months')::date WHERE type = 'soc2_type2' "
        "AND period_end IS NULL",
    )


class Migration(migrations.Migration):

    dependencies = [
        ('isms', '0005_security_event'),
        ('suppliers', '0004_owner_grants_and_participants'),
    ]

    operations = [
        migrations.AddField(
            model_name='suppliercertification',
            name='bridge_letter_until',
            field=models.DateField(blank=True, help_text="SOC 2 only: the date up to which the supplier's bridge letter speaks.", null=True, verbose_name='Bridge letter covers until'),
        ),
        migrations.AddField(
            model_name='suppliercertification',
            name='period_end',
            field=models.DateField(blank=True, null=True, verbose_name='Report period end'),
        ),
        migrations.AddField(
            model_name='suppliercertification',
            name='period_start',
            field=models.DateField(blank=True, null=True, verbose_name='Report period start'),
        ),
        migrations.AlterField(
            model_name='suppliercertification',
            name='valid_until',
            field=models.DateField(help_text="A certificate (ISO/IEC 27001, 42001…): its validity date. A SOC 2 Type II report has none: this is derived, the date until which it is relied on (its period end plus twelve months, or its bridge letter's date when later)."),
        ),
        migrations.AlterField(
            model_name='suppliercontractclause',
            name='clause',
            field=models.CharField(choices=[('security_requirements', 'Security requirements'), ('data_processing_agreement', 'Data processing agreement'), ('no_training', 'No training on our data (or opt-out confirmed)'), ('data_location', 'Data location and residency'), ('breach_notification', 'Breach notification within stated hours'), ('audit_rights', 'Audit rights'), ('subprocessor_changes', 'Sub-processor changes notified'), ('exit_return_deletion', 'Return and deletion of data at exit'), ('change_notice', 'Model or service change notice'), ('output_ownership', 'Ownership of outputs'), ('confidentiality', 'Confidentiality'), ('subcontractor_flowdown', 'Obligations flow down to subcontractors'), ('continuity_service_levels', 'Continuity and service levels'), ('termination_exit', 'Termination rights and exit assistance'), ('liability_indemnity', 'Liability and indemnity (incl. IP in outputs)'), ('ai_responsibilities', 'Allocation of AI responsibilities'), ('use_restrictions', 'Use restrictions on the AI service'), ('ai_documentation', 'AI documentation provided (use, limits, changes)')], max_length=40),
        ),
        migrations.RunPython(fill_soc2_periods, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='suppliercertification',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('type', 'soc2_type2'), _negated=True), ('period_end__isnull', False), _connector='OR'), name='certification_soc2_has_period_end'),
        ),
        migrations.AddConstraint(
            model_name='suppliercertification',
            constraint=models.CheckConstraint(condition=models.Q(('type', 'soc2_type2'), models.Q(('bridge_letter_until', None), ('period_end__isnull', True), ('period_start__isnull', True)), _connector='OR'), name='certification_period_only_for_soc2'),
        ),
    ]
