from django.urls import path

from . import stats_views, views

app_name = "frontend"

urlpatterns = [
    path("me/", views.my_portal, name="my_portal"),
    path("me/notifications/", views.notification_inbox, name="notifications"),
    path("me/notifications/read-all/", views.notification_mark_all_read, name="notifications_read_all"),
    path("me/notification-preferences/", views.notification_preferences, name="notification_preferences"),
    path("stats/", stats_views.stats, name="stats"),
    path("files/<uuid:file_id>/", views.private_file_download, name="private_file"),
]
