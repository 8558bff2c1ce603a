from rest_framework import serializers

from monitoring.inbox.models import InboxSettings, Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "recipient",
            "kind",
            "stage",
            "subject",
            "body",
            "url",
            "due_on",
            "key",
            "escalated",
            "created",
            "read_at",
            "emailed_at",
        ]
        read_only_fields = fields


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(read_only=True)


class InboxSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = InboxSettings
        fields = ["id", "soon_days", "escalate_after_days", "email_digest", "updated"]
        read_only_fields = ["id", "updated"]
