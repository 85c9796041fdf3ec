"""Carrier tracking pages: a tracking number becomes a link for the carriers we know."""

from urllib.parse import quote

TRACKING_URLS = {
    "dhl": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={}",
    "ups": "https://www.ups.com/track?tracknum={}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "royal mail": "https://www.royalmail.com/track-your-item#/tracking-results/{}",
}


def tracking_url(carrier: str, tracking_number: str) -> str:
    """The carrier's tracking page for this number, or "" for an unknown carrier."""
    template = TRACKING_URLS.get(carrier.strip().lower())
    if not template or not tracking_number.strip():
        return ""
    return template.format(quote(tracking_number.strip(), safe=""))
