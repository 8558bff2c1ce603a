"""Register this app's viewsets on isms.api.routers.org_router here."""
