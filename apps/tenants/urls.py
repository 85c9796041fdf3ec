from django.urls import path

from apps.tenants import views

app_name = "platform"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("signup/", views.signup, name="signup"),
    path("signup/<slug:slug>/done/", views.signup_done, name="signup-done"),
]
