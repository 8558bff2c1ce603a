from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/constant/", views.constant),
    path("bench/bare-metric-points/<slug:org_slug>/", views.bare_metric_points),
    path("bench/bare/<slug:org_slug>/<str:basename>/", views.bare_list),
    path("bench/bare-write/<slug:org_slug>/<str:basename>/", views.bare_write),
    path("bench/bare-write/<slug:org_slug>/<str:basename>/<int:pk>/", views.bare_write),
    path("bench/raw/<slug:org_slug>/<str:basename>/", views.raw_list),
    path("", include("isms.urls")),
]
