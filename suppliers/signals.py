"""Starter content of a new organisation: the starter question set, installed once."""

from __future__ import annotations

from django.dispatch import receiver

from isms.signals import organization_created


@receiver(organization_created, dispatch_uid="suppliers.starter_question_set")
def _install_starter_question_set(sender, organization, **kwargs) -> None:
    from suppliers.services.question_sets import starter_question_set_install

    starter_question_set_install(organization_id=organization.pk)
