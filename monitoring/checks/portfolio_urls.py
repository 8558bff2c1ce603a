from django.urls import path

from monitoring.checks.portfolio_views import PortfolioView

urlpatterns = [path("", PortfolioView.as_view(), name="portfolio")]
