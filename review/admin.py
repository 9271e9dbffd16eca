from django.contrib import admin

from review.models import SpotCheckSettings


@admin.register(SpotCheckSettings)
class SpotCheckSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "sample_size", "sample_percent")

    def has_add_permission(self, request):
        return not SpotCheckSettings.objects.exists()
