from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/constant/", views.constant),
    path("bench/bare/<slug:org_slug>/<str:basename>/", views.bare_list),
    path("", include("isms.urls")),
]
