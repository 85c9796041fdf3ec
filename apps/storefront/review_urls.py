from django.urls import path

from apps.storefront import review_views as views

app_name = "reviews"

urlpatterns = [
    path("product/<slug:slug>/", views.product_reviews, name="product"),
    path("product/<slug:slug>/write/", views.write_review, name="write"),
    path("<int:review_id>/vote/", views.vote, name="vote"),
    path("<int:review_id>/delete/", views.delete, name="delete"),
]
