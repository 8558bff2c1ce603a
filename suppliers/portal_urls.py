from django.urls import path

from suppliers.portal_views import portal

urlpatterns = [path("<str:token>/", portal, name="supplier_portal")]
