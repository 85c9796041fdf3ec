from django.urls import path

from apps.storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("categories/<slug:slug>/", views.category_detail, name="category-detail"),
    path("collections/<slug:slug>/", views.collection_detail, name="collection-detail"),
    path("products/<slug:slug>/", views.product_detail, name="product-detail"),
    path("products/<slug:slug>/choose/", views.product_choose, name="product-choose"),
    path("sitemap.xml", views.sitemap_index, name="sitemap-index"),
    path("sitemap-<slug:section>.xml", views.sitemap_section, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("media/<str:schema>/<path:path>", views.media, name="media"),
]
