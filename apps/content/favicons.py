"""The store's browser-tab and home-screen icons, made from its logo with Pillow."""

from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from apps.content.models import StoreTheme

SIZES = {"favicon_32": 32, "favicon_180": 180}


def make_favicons(theme: StoreTheme) -> dict[str, str]:
    """Write square PNG icons of the logo (centred, transparent margin); return field → name.

    No logo, or a file Pillow cannot read: no icons (the storefront shows the default one).
    """
    if not theme.logo:
        return {field: "" for field in SIZES}
    try:
        with theme.logo.open("rb") as source:
            logo = ImageOps.exif_transpose(Image.open(source))
            logo.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError):
        return {field: "" for field in SIZES}
    logo = logo.convert("RGBA")
    names = {}
    storage = theme.logo.storage
    for field, size in SIZES.items():
        icon = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        fitted = ImageOps.contain(logo, (size, size), Image.Resampling.LANCZOS)
        icon.paste(fitted, ((size - fitted.width) // 2, (size - fitted.height) // 2), fitted)
        buffer = BytesIO()
        icon.save(buffer, format="PNG", optimize=True)
        name = f"theme/favicon-{size}.png"
        if storage.exists(name):
            storage.delete(name)
        names[field] = storage.save(name, ContentFile(buffer.getvalue()))
    return names
