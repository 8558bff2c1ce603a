from django.urls import path

from monitoring.incidents.concern_views import concern_form, concern_thanks

urlpatterns = [
    path("thanks/", concern_thanks, name="concern_thanks"),
    path("<str:token>/", concern_form, name="concern_form"),
]
