from django.urls import path

from apps.tenants import views

app_name = "platform"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("signup/", views.signup, name="signup"),
    path("signup/<slug:slug>/done/", views.signup_done, name="signup-done"),
    path("signup/confirm/<str:token>/", views.confirm_owner_email, name="confirm-owner-email"),
]
