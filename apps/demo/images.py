"""Product pictures and the demo store's logo and banner, drawn with Pillow at seed time.

No downloads: each picture is a simple silhouette of the product kind (tee, hoodie, mug,
poster, tote, cap) in the variant's colour on a soft background, with the product's initial
on it, drawn at twice the size and scaled down (smooth edges), saved as a ~10-30 KB JPEG.
"""

import hashlib
from collections.abc import Callable
from io import BytesIO

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIZE = 480  # the product page's medium thumbnail box: no resize for it
SCALE = 2  # drawn at 2x, scaled down with LANCZOS: anti-aliased edges
JPEG_QUALITY = 82

COLOR_VALUES = {
    "Black": (43, 43, 46),
    "White": (246, 245, 240),
    "Forest": (47, 93, 70),
    "Navy": (38, 54, 94),
}
BACKGROUNDS = [
    (238, 232, 222), (226, 236, 231), (230, 234, 243), (243, 231, 228), (236, 231, 242),
    (244, 238, 220), (228, 238, 240),
]  # fmt: skip
POSTER_PALETTES = [
    [(233, 111, 81), (244, 162, 97), (38, 70, 83)],
    [(42, 157, 143), (233, 196, 106), (29, 53, 87)],
    [(131, 56, 236), (255, 190, 11), (58, 12, 163)],
    [(214, 40, 57), (247, 127, 0), (0, 48, 73)],
]
TOTE_CANVAS = (226, 214, 188)


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def _ink_on(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (250, 250, 248) if luminance < 140 else (40, 40, 44)


def _outline(rgb: tuple[int, int, int]) -> tuple[int, int, int] | None:
    """A light garment on a light background needs an edge."""
    return (196, 194, 188) if sum(rgb) > 660 else None


def _points(points, s):
    return [(x * s, y * s) for x, y in points]


def _tee(draw, s, fill, line):
    body = [(0.30, 0.22), (0.42, 0.18), (0.45, 0.22), (0.55, 0.22), (0.58, 0.18), (0.70, 0.22),
            (0.86, 0.36), (0.77, 0.45), (0.70, 0.40), (0.70, 0.82), (0.30, 0.82), (0.30, 0.40),
            (0.23, 0.45), (0.14, 0.36)]  # fmt: skip
    draw.polygon(_points(body, s), fill=fill, outline=line, width=3 * SCALE)
    draw.arc(_points([(0.43, 0.15), (0.57, 0.27)], s), 0, 180, fill=line or _shade(fill), width=4)
    return (0.50, 0.55)


def _hoodie(draw, s, fill, line):
    draw.ellipse(_points([(0.38, 0.12), (0.62, 0.34)], s), fill=_shade(fill), outline=line)
    body = [(0.30, 0.24), (0.40, 0.20), (0.60, 0.20), (0.70, 0.24), (0.84, 0.40), (0.88, 0.78),
            (0.79, 0.80), (0.72, 0.46), (0.70, 0.84), (0.30, 0.84), (0.28, 0.46), (0.21, 0.80),
            (0.12, 0.78), (0.16, 0.40)]  # fmt: skip
    draw.polygon(_points(body, s), fill=fill, outline=line, width=3 * SCALE)
    draw.rounded_rectangle(_points([(0.38, 0.64), (0.62, 0.76)], s), radius=12 * SCALE,
                           outline=_shade(fill), width=3 * SCALE)  # fmt: skip
    draw.line(_points([(0.47, 0.26), (0.46, 0.40)], s), fill=_ink_on(fill), width=2 * SCALE)
    draw.line(_points([(0.53, 0.26), (0.54, 0.40)], s), fill=_ink_on(fill), width=2 * SCALE)
    return (0.50, 0.52)


def _mug(draw, s, fill, line):
    draw.ellipse(_points([(0.58, 0.36), (0.82, 0.66)], s), outline=fill, width=22 * SCALE)
    if line:
        draw.ellipse(_points([(0.58, 0.36), (0.82, 0.66)], s), outline=line, width=2 * SCALE)
    draw.rounded_rectangle(_points([(0.24, 0.26), (0.68, 0.80)], s), radius=24 * SCALE,
                           fill=fill, outline=line, width=3 * SCALE)  # fmt: skip
    draw.ellipse(_points([(0.24, 0.22), (0.68, 0.30)], s), fill=_shade(fill), outline=line)
    return (0.46, 0.54)


def _poster(draw, s, fill, line, rng_seed):
    palette = POSTER_PALETTES[rng_seed % len(POSTER_PALETTES)]
    draw.rectangle(_points([(0.22, 0.12), (0.78, 0.88)], s), fill=(40, 40, 44))
    draw.rectangle(_points([(0.25, 0.15), (0.75, 0.85)], s), fill=(250, 248, 243))
    art = [(0.29, 0.19), (0.71, 0.70)]
    draw.rectangle(_points(art, s), fill=palette[0])
    for i in range(3):
        k = (rng_seed >> (i * 5)) % 7
        x, y = 0.33 + 0.06 * k, 0.26 + 0.10 * i
        r = 0.07 + 0.02 * ((rng_seed >> (i * 3)) % 3)
        draw.ellipse(_points([(x - r, y - r), (x + r, y + r)], s), fill=palette[1 + i % 2])
    draw.polygon(_points([(0.29, 0.70), (0.50, 0.48), (0.71, 0.70)], s), fill=palette[2])
    return (0.50, 0.78)


def _tote(draw, s, fill, line):
    fill = TOTE_CANVAS
    draw.arc(
        _points([(0.34, 0.12), (0.50, 0.46)], s), 180, 360, fill=_shade(fill), width=14 * SCALE
    )
    draw.arc(
        _points([(0.50, 0.12), (0.66, 0.46)], s), 180, 360, fill=_shade(fill), width=14 * SCALE
    )
    draw.polygon(_points([(0.26, 0.30), (0.74, 0.30), (0.78, 0.84), (0.22, 0.84)], s), fill=fill)
    return (0.50, 0.58)


def _cap(draw, s, fill, line):
    draw.ellipse(_points([(0.22, 0.56), (0.88, 0.72)], s), fill=_shade(fill), outline=line)
    draw.pieslice(_points([(0.20, 0.26), (0.76, 0.86)], s), 180, 360, fill=fill, outline=line,
                  width=3 * SCALE)  # fmt: skip
    draw.ellipse(_points([(0.46, 0.24), (0.50, 0.28)], s), fill=_shade(fill))
    return (0.48, 0.45)


def _shade(rgb, factor=0.82):
    return tuple(int(c * factor) for c in rgb)


KINDS: dict[str, Callable[..., tuple[float, float]]] = {
    "T-shirt": _tee, "Hoodie": _hoodie, "Mug": _mug, "Poster": _poster,
    "Tote bag": _tote, "Cap": _cap,
}  # fmt: skip


def product_picture(*, kind: str, name: str, color: str = "") -> bytes:
    """A JPEG of a ``kind`` product named ``name`` in ``color`` (a demo colour name)."""
    seed = _seed(name)
    s = SIZE * SCALE
    background = BACKGROUNDS[seed % len(BACKGROUNDS)]
    image = Image.new("RGB", (s, s), background)
    # A soft floor shadow: blurred small (cheap), scaled up.
    box = (int(0.14 * s), int(0.78 * s), int(0.86 * s), int(0.96 * s))
    shadow = Image.new("L", (72, 18), 0)
    ImageDraw.Draw(shadow).ellipse((8, 5, 64, 13), fill=80)
    shadow = shadow.filter(ImageFilter.GaussianBlur(2)).resize(
        (box[2] - box[0], box[3] - box[1]), Image.Resampling.BILINEAR
    )
    image.paste(_shade(background, 0.75), box, mask=shadow)
    draw = ImageDraw.Draw(image)
    fill = COLOR_VALUES.get(color) or COLOR_VALUES["Forest" if seed % 2 else "Navy"]
    draw_kind = KINDS.get(kind, _tee)
    letter_fill: tuple[int, ...]
    if draw_kind is _poster:
        x, y = _poster(draw, s, fill, None, seed)
        letter_fill = (40, 40, 44)
    else:
        x, y = draw_kind(draw, s, fill, _outline(fill))
        letter_fill = _ink_on(TOTE_CANVAS if draw_kind is _tote else fill)
    font = ImageFont.load_default(size=64 * SCALE)
    draw.text((x * s, y * s), name[:1].upper(), font=font, fill=letter_fill, anchor="mm")
    buffer = BytesIO()
    image.reduce(SCALE).save(buffer, format="JPEG", quality=JPEG_QUALITY, progressive=True)
    return buffer.getvalue()


def logo_picture(*, text: str, color: tuple[int, int, int]) -> bytes:
    """A wide PNG logo: a round mark with the first letter, then ``text``."""
    height = 96
    font = ImageFont.load_default(size=44)
    width = int(font.getlength(text)) + height + 24
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((6, 6, height - 6, height - 6), fill=color)
    draw.text((height / 2, height / 2), text[:1], font=font, fill=(255, 255, 255), anchor="mm")
    draw.text((height + 12, height / 2), text, font=font, fill=(29, 29, 31), anchor="lm")
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def banner_picture(*, colors: list[tuple[int, int, int]]) -> bytes:
    """A 720×480 JPEG of soft overlapping product silhouettes for the home page banner."""
    s = 480 * SCALE
    image = Image.new("RGB", (720 * SCALE, s), (246, 241, 232))
    draw = ImageDraw.Draw(image)
    for index, (kind, offset) in enumerate([(_tee, 0.0), (_mug, 0.45), (_cap, 0.9)]):
        layer = Image.new("RGB", (s, s), (246, 241, 232))
        mask = Image.new("RGB", (s, s), (0, 0, 0))
        kind(ImageDraw.Draw(layer), s, colors[index % len(colors)], None)
        kind(ImageDraw.Draw(mask), s, (255, 255, 255), None)
        mask_l = mask.convert("L").point(lambda v: 255 if v else 0)
        image.paste(layer, (int(offset * s * 0.75), 0), mask=mask_l)
    del draw
    buffer = BytesIO()
    image.resize((720, 480), Image.Resampling.LANCZOS).save(
        buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True
    )
    return buffer.getvalue()
