import django_filters
from django.utils import timezone

from isms.filters import BoundedFilterSet
from monitoring.reviews.models import AIReview, ReviewSchedule, SubjectType


class ReviewScheduleFilterSet(BoundedFilterSet):
    subject_type = django_filters.ChoiceFilter(choices=SubjectType.choices, label="Subject")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue")
    active = django_filters.BooleanFilter()
    search = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Search")
    reviewer = django_filters.NumberFilter(field_name="reviewer_id", label="Reviewer (user id)")
    ordering = django_filters.OrderingFilter(fields=["next_due", "title", "subject_type"])

    class Meta:
        model = ReviewSchedule
        fields = ["subject_type", "overdue", "active", "reviewer", "search"]

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        if value is None:
            return queryset
        if value:
            return queryset.filter(active=True, next_due__lt=today)
        return queryset.exclude(active=True, next_due__lt=today)


class AIReviewFilterSet(BoundedFilterSet):
    status = django_filters.ChoiceFilter(choices=AIReview.Status.choices)
    asset = django_filters.NumberFilter(field_name="asset_id")
    schedule = django_filters.NumberFilter(field_name="schedule_id")

    class Meta:
        model = AIReview
        fields = ["status", "asset", "schedule"]
