from django.contrib import admin

from notifications.models import Notification
from org.admin import ReadOnlyWorkflowAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["created_at", "recipient", "channel", "title", "status", "attempts", "sent_at", "read_at"]
    list_filter = ["channel", "status"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username"]
