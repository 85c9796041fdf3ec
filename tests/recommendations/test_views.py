import pytest

from apps.recommendations import services
from apps.recommendations.models import WidgetStat
from tests.recommendations.baskets import stocked_product


@pytest.mark.django_db
def test_click_counts_then_redirects_to_the_product(store_client):
    product = stocked_product(slug="desk-lamp")

    response = store_client.get(f"/recommendations/click/for_you/{product.id}/")
    services.flush_signals()

    assert response.status_code == 302 and response["Location"] == "/products/desk-lamp/"
    assert WidgetStat.objects.get(widget="for_you").clicks == 1


@pytest.mark.django_db
def test_click_on_unknown_widget_or_hidden_product_is_404(store_client):
    draft = stocked_product(status="draft")
    live = stocked_product()

    assert store_client.get(f"/recommendations/click/evil/{live.id}/").status_code == 404
    assert store_client.get(f"/recommendations/click/for_you/{draft.id}/").status_code == 404
    services.flush_signals()
    assert not WidgetStat.objects.exists()
