"""The organisation home page's figures: feature apps register what they can count.

isms sits below every feature app, so it cannot import them; each app's AppConfig.ready()
calls `register()` with a function (actor) -> list[HomeFigure].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomeFigure:
    label: str
    value: int
    url: str = ""
    tone: str = "secondary"  # a Bootstrap colour: "danger" draws the eye to debt and overdue work
    note: str = ""


_providers: list[Callable] = []


def register(provider: Callable) -> Callable:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def figures(actor) -> list[HomeFigure]:
    return [figure for provider in _providers for figure in provider(actor)]


@dataclass(frozen=True)
class HomePanel:
    """A larger block of the home page (a chart, a table): a template and its context."""

    template: str
    context: dict


_panel_providers: list[Callable] = []


def register_panel(provider: Callable) -> Callable:
    """Register a function (actor) -> list[HomePanel]; panels show below the figures."""
    if provider not in _panel_providers:
        _panel_providers.append(provider)
    return provider


def panels(actor) -> list[HomePanel]:
    return [panel for provider in _panel_providers for panel in provider(actor)]
