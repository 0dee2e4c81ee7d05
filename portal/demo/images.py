"""A few small repair photos and drawn signatures for the demo claims, made once with Pillow.

The demo shares them between many claims; the claim pages only delete a file no claim uses.
"""

import io
import math
import random

from PIL import Image, ImageDraw, ImageFilter

from portal.core.uploads import JPEG, PNG, StoredFile, uploads_root

FOLDER = "claims/demo"
PHOTOS, SIGNATURES = 4, 3
PAINT = [(178, 34, 34), (40, 110, 60), (30, 80, 150), (230, 160, 20)]  # the maker's colours


def demo_files(rng: random.Random | None = None) -> tuple[list[StoredFile], list[StoredFile]]:
    """The demo photos and signatures, written under the uploads folder if not there yet."""
    rng = rng or random.Random(2029)
    photos = [_keep(f"photo-{n}.jpg", f"IMG_{2040 + 7 * n}.jpg", JPEG, lambda: _photo(rng))
              for n in range(1, PHOTOS + 1)]
    signatures = [_keep(f"signature-{n}.png", "signature.png", PNG, lambda: _signature(rng))
                  for n in range(1, SIGNATURES + 1)]
    return photos, signatures


def _keep(filename: str, name: str, content_type: str, draw) -> StoredFile:
    path = f"{FOLDER}/{filename}"
    target = uploads_root() / path
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(draw())
    return StoredFile(path=path, name=name, content_type=content_type,
                      size=target.stat().st_size)


def _photo(rng: random.Random) -> bytes:
    """A workshop-ish picture: a floor, a painted housing, bolts and shadows, some grain."""
    width, height = 640, 480
    image = Image.new("RGB", (width, height), (120, 118, 110))
    draw = ImageDraw.Draw(image)
    for y in range(height // 2, height):  # the floor darkens towards the camera
        shade = 120 - (y - height // 2) // 5
        draw.line([(0, y), (width, y)], fill=(shade, shade - 4, shade - 12))
    paint = rng.choice(PAINT)
    x, y = rng.randint(80, 200), rng.randint(60, 140)
    draw.rounded_rectangle([x, y, x + rng.randint(260, 380), y + rng.randint(180, 260)],
                           radius=30, fill=paint, outline=(30, 30, 30), width=4)
    for _ in range(rng.randint(5, 9)):  # bolts and bosses of grey metal
        cx, cy, r = rng.randint(x, x + 300), rng.randint(y, y + 200), rng.randint(8, 40)
        grey = rng.randint(90, 170)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(grey, grey, grey + 5),
                     outline=(20, 20, 20), width=2)
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    image = Image.blend(image, Image.merge("RGB", (grain, grain, grain)), 0.08)
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=78)
    return out.getvalue()


def _signature(rng: random.Random) -> bytes:
    """A few pen strokes on a transparent pad, as the signature pad sends them."""
    width, height = 640, 180
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    start = 40
    for _stroke in range(rng.randint(2, 4)):
        length = rng.randint(50, 120)
        waves = [(rng.uniform(0.08, 0.25), rng.uniform(5, 20), rng.uniform(0, 6))
                 for _ in range(3)]
        loop = rng.uniform(4, 12)  # the pen doubles back a little: loops, as in handwriting
        points = [(start + step + loop * math.cos(0.3 * step),
                   height / 2 + sum(a * math.sin(f * step + p) for f, a, p in waves))
                  for step in range(length)]
        draw.line(points, fill=(20, 30, 90, 255), width=4, joint="curve")
        start += length + rng.randint(5, 20)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
