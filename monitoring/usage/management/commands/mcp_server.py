"""`python manage.py mcp_server`: the read-only MCP server over stdio, acting with the API key
in GUARDRAIL_API_KEY (or --api-key-env NAME)."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from isms.services.api_keys import APIKeyError, api_key_authenticate


class Command(BaseCommand):
    help = "Serve the registers read-only to AI assistants over MCP (stdio)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--api-key-env",
            default="GUARDRAIL_API_KEY",
            help="The environment variable holding the API key (never pass it as an argument).",
        )

    def handle(self, *args, **options):
        from monitoring.usage.assistant import build_server

        token = os.environ.get(options["api_key_env"], "")
        if not token:
            raise CommandError(f"Set {options['api_key_env']} to an API key of the organisation.")
        try:
            api_key_authenticate(token)
        except APIKeyError as error:
            raise CommandError(str(error)) from error
        build_server(token).run("stdio")
