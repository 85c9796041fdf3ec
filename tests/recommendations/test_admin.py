import pytest
from django.contrib.auth import get_user_model

from apps.recommendations import selectors
from apps.recommendations.models import RecommendationSettings, WidgetRule, WidgetStat
from tests.conftest import STORE_SPEC
from tests.recommendations.baskets import stocked_product


@pytest.fixture
def admin_client(store_client):
    store_client.force_login(get_user_model().objects.get(email=STORE_SPEC["owner_email"]))
    return store_client


@pytest.mark.django_db
def test_settings_page_shows_click_through_per_widget(admin_client):
    settings = selectors.get_recommendation_settings()
    WidgetStat.objects.create(day="2026-11-20", widget="for_you", impressions=200, clicks=9)

    response = admin_client.get(
        f"/admin/recommendations/recommendationsettings/{settings.pk}/change/"
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Click-through per widget" in body
    assert "For you" in body
    assert "Last recompute" in body


@pytest.mark.django_db
def test_switches_and_rules_saved_in_admin_apply_at_once(
    admin_client, django_capture_on_commit_callbacks
):
    settings = selectors.get_recommendation_settings()
    product = stocked_product()
    selectors.get_config()  # warm the cache

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            f"/admin/recommendations/recommendationsettings/{settings.pk}/change/",
            {
                "show_bought_together": "on",
                "items_per_widget": "4",
                "back_in_stock_enabled": "on",
            },
        )
        admin_client.post(
            "/admin/recommendations/widgetrule/add/",
            {"widget": "trending", "action": "exclude", "product": product.id, "position": 0},
        )

    config, _ = selectors.get_config()
    assert RecommendationSettings.objects.get().items_per_widget == 4
    assert WidgetRule.objects.count() == 1
    assert config.limit == 4 and not config.is_enabled("for_you")
    assert config.excluded("trending") == {product.id}
