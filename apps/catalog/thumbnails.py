"""Product image thumbnails, made with Pillow (run by a Celery task, never in the request)."""

import logging
from io import BytesIO
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from apps.catalog import product_cache
from apps.catalog.models import ProductImage

logger = logging.getLogger(__name__)

# name → bounding box in pixels (aspect ratio kept)
SIZES = {"small": (160, 160), "medium": (480, 480)}


def make_thumbnails(*, image_id: int) -> ProductImage | None:
    """Write the small and medium thumbnails of one image; idempotent (overwrites).

    Returns None when the image was deleted before the task ran.
    """
    try:
        product_image = ProductImage.objects.get(pk=image_id)
    except ProductImage.DoesNotExist:
        logger.info("image %s is gone; no thumbnails to make", image_id)
        return None
    storage = product_image.image.storage
    stem = PurePosixPath(product_image.image.name).stem
    folder = PurePosixPath(product_image.image.name).parent / "thumbs"
    try:
        with product_image.image.open("rb") as source:
            original = ImageOps.exif_transpose(Image.open(source))
            original.load()
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        # Not retryable: the file will not become a readable image. The storefront keeps
        # showing the placeholder.
        logger.warning("image %s has no thumbnails: %s", image_id, exc)
        return None
    names = {}
    for size_name, box in SIZES.items():
        thumb = original.copy()
        thumb.thumbnail(box, Image.Resampling.LANCZOS)
        if thumb.mode not in ("RGB", "L"):
            thumb = thumb.convert("RGB")
        buffer = BytesIO()
        thumb.save(buffer, format="JPEG", quality=85, optimize=True)
        name = str(folder / f"{stem}-{size_name}.jpg")
        if storage.exists(name):
            storage.delete(name)
        names[size_name] = storage.save(name, ContentFile(buffer.getvalue()))
    ProductImage.objects.filter(pk=image_id).update(
        thumbnail_small=names["small"], thumbnail_medium=names["medium"]
    )
    product_cache.bump_version()  # product pages and listing cards show it
    product_image.refresh_from_db()
    return product_image
