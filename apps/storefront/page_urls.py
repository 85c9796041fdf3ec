from django.urls import path

from apps.storefront import page_views

app_name = "pages"

urlpatterns = [path("<slug:slug>/", page_views.page_detail, name="detail")]
