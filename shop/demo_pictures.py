"""Pictures for the demo products, drawn with Pillow: no photographs to license or download.

Each product is drawn as a simple flat object (a mug, a tee, a tote...) and shown in three scenes, like a small
shop's photographs: in the studio on a soft gradient with a shadow, in another colourway at an angle on a striped
backdrop, and close up on a table. 1200 by 900 JPEGs (4:3, the shape the shop's templates crop to).
"""

import functools
import io
import math

from django.core.files.images import ImageFile
from PIL import Image, ImageChops, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1200, 900
SCENES = ("studio", "colourway", "detail")


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def _mix(colour, other, amount: float) -> tuple[int, int, int]:
    """`colour` moved `amount` (0 to 1) of the way towards `other`."""
    a, b = _rgb(colour) if isinstance(colour, str) else colour, _rgb(other) if isinstance(other, str) else other
    return tuple(round(x + (y - x) * amount) for x, y in zip(a, b, strict=True))


def _vertical_gradient(top, bottom) -> Image.Image:
    column = Image.new("RGB", (1, 256))
    for y in range(256):
        column.putpixel((0, y), _mix(top, bottom, y / 255))
    return column.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)


# --- The objects: each draws on a transparent 1200x900 layer, centred about (600, 450) -----------------------------


def _mug(draw, main, accent):
    draw.ellipse((700, 360, 900, 600), outline=main, width=46)
    draw.rounded_rectangle((400, 270, 760, 700), radius=48, fill=main)
    draw.rectangle((400, 420, 760, 470), fill=accent)
    draw.ellipse((400, 240, 760, 310), fill=_mix(main, "#000000", 0.35))


def _tee(draw, main, accent):
    draw.polygon(
        [
            (510, 200),
            (690, 200),
            (880, 290),
            (950, 430),
            (830, 470),
            (790, 420),
            (790, 720),
            (410, 720),
            (410, 420),
            (370, 470),
            (250, 430),
            (320, 290),
        ],
        fill=main,
    )
    draw.chord((520, 150, 680, 260), 0, 180, fill=_mix(main, "#000000", 0.3))
    draw.rectangle((560, 360, 640, 380), fill=accent)


def _tote(draw, main, accent):
    draw.arc((460, 150, 620, 420), 180, 360, fill=_mix(main, "#000000", 0.25), width=22)
    draw.arc((580, 150, 740, 420), 180, 360, fill=_mix(main, "#000000", 0.25), width=22)
    draw.polygon([(400, 300), (800, 300), (830, 720), (370, 720)], fill=main)
    draw.ellipse((530, 430, 670, 570), fill=accent)


def _notebook(draw, main, accent):
    draw.rounded_rectangle((420, 170, 780, 730), radius=22, fill=main)
    dot = _mix(main, "#ffffff", 0.35)
    for x in range(470, 740, 36):
        for y in range(220, 700, 36):
            draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=dot)
    draw.rectangle((720, 170, 740, 730), fill=accent)


def _pen(draw, main, accent):
    draw.rounded_rectangle((260, 420, 860, 480), radius=30, fill=main)
    draw.polygon([(860, 425), (960, 450), (860, 475)], fill=_mix(main, "#000000", 0.4))
    draw.rounded_rectangle((330, 400, 560, 425), radius=10, fill=accent)


def _poster(draw, main, accent):
    draw.rectangle((380, 150, 820, 740), fill="#fbf8f1")
    draw.rectangle((410, 180, 790, 710), fill=_mix(main, "#ffffff", 0.75))
    draw.ellipse((640, 230, 740, 330), fill=accent)
    draw.polygon([(410, 710), (540, 380), (650, 560), (700, 470), (790, 710)], fill=main)
    draw.polygon([(540, 380), (505, 470), (575, 470)], fill="#ffffff")


def _cap(draw, main, accent):
    draw.ellipse((555, 150, 645, 240), fill=accent)
    draw.chord((400, 210, 800, 720), 180, 360, fill=main)
    draw.rounded_rectangle((380, 450, 820, 600), radius=26, fill=_mix(main, "#000000", 0.2))
    for x in range(410, 800, 40):
        draw.line((x, 460, x, 590), fill=_mix(main, "#000000", 0.32), width=8)


def _socks(draw, main, accent):
    for dx, dy, colour in ((-130, -30, _mix(main, "#000000", 0.2)), (40, 30, main)):
        draw.rounded_rectangle((470 + dx, 170 + dy, 600 + dx, 600 + dy), radius=18, fill=colour)  # the leg
        draw.rounded_rectangle((470 + dx, 500 + dy, 740 + dx, 640 + dy), radius=66, fill=colour)  # the foot
        draw.pieslice((470 + dx, 520 + dy, 590 + dx, 640 + dy), 90, 180, fill=accent)  # heel
        draw.pieslice((640 + dx, 500 + dy, 740 + dx, 640 + dy), 270, 90, fill=accent)  # toe
        draw.rectangle((470 + dx, 170 + dy, 600 + dx, 240 + dy), fill=accent)  # ribbed cuff
        for x in range(490 + dx, 600 + dx, 22):
            draw.line((x, 176 + dy, x, 234 + dy), fill=_mix(accent, "#000000", 0.15), width=5)


def _bottle(draw, main, accent):
    draw.rounded_rectangle((540, 140, 660, 250), radius=18, fill=_mix(main, "#000000", 0.45))
    draw.rounded_rectangle((490, 230, 710, 740), radius=70, fill=main)
    draw.rectangle((490, 430, 710, 500), fill=accent)


def _candle(draw, main, accent):
    draw.ellipse((580, 150, 620, 250), fill="#ffb347")
    draw.ellipse((590, 185, 610, 245), fill="#fff3b0")
    draw.line((600, 245, 600, 300), fill="#2b2b2b", width=6)
    draw.rounded_rectangle((430, 290, 770, 720), radius=34, fill=main)
    draw.ellipse((430, 270, 770, 330), fill=_mix(main, "#ffffff", 0.55))
    draw.rectangle((470, 450, 730, 590), fill=accent)


def _planter(draw, main, accent):
    leaf = "#3e7d4a"
    for angle in (-60, -30, 0, 30, 60):
        rad = math.radians(angle - 90)
        tip = (600 + 260 * math.cos(rad), 430 + 260 * math.sin(rad))
        side = math.radians(angle)
        draw.polygon(
            [
                (600 - 34 * math.cos(side), 430 - 34 * math.sin(side)),
                tip,
                (600 + 34 * math.cos(side), 430 + 34 * math.sin(side)),
            ],
            fill=leaf if angle % 60 else _mix(leaf, "#ffffff", 0.2),
        )
    draw.polygon([(430, 440), (770, 440), (720, 730), (480, 730)], fill=main)
    draw.rectangle((410, 410, 790, 470), fill=_mix(main, "#000000", 0.18))
    draw.line((480, 560, 720, 560), fill=accent, width=10)


def _apron(draw, main, accent):
    draw.arc((490, 90, 710, 330), 180, 360, fill=_mix(main, "#000000", 0.3), width=16)
    draw.polygon(
        [(500, 210), (700, 210), (720, 380), (810, 420), (790, 760), (410, 760), (390, 420), (480, 380)], fill=main
    )
    draw.rectangle((500, 500, 700, 620), outline=accent, width=10)
    draw.line((600, 500, 600, 620), fill=accent, width=10)


def _stickers(draw, main, accent):
    shapes = [
        ("ellipse", (330, 220, 560, 450), main),
        ("rounded", (620, 180, 860, 420), accent),
        ("ellipse", (650, 470, 850, 670), _mix(main, "#ffffff", 0.35)),
        ("rounded", (360, 500, 580, 720), _mix(accent, "#000000", 0.25)),
    ]
    for kind, box, colour in shapes:
        grown = (box[0] - 14, box[1] - 14, box[2] + 14, box[3] + 14)
        if kind == "ellipse":
            draw.ellipse(grown, fill="#ffffff")
            draw.ellipse(box, fill=colour)
        else:
            draw.rounded_rectangle(grown, radius=50, fill="#ffffff")
            draw.rounded_rectangle(box, radius=40, fill=colour)
    draw.regular_polygon((600, 450, 70), 5, rotation=18, fill="#ffd166")


def _book(draw, main, accent):
    draw.rectangle((430, 170, 790, 730), fill=main)
    draw.rectangle((430, 170, 470, 730), fill=_mix(main, "#000000", 0.3))
    draw.rectangle((770, 180, 790, 720), fill="#f3efe4")
    light = _mix(main, "#ffffff", 0.8)
    draw.ellipse((540, 380, 700, 480), fill=light)  # the bird: body, head, beak, tail
    draw.ellipse((660, 340, 730, 410), fill=light)
    draw.polygon([(725, 370), (765, 380), (725, 392)], fill=accent)
    draw.polygon([(550, 430), (480, 470), (500, 420)], fill=light)
    draw.rectangle((520, 560, 720, 580), fill=accent)
    draw.rectangle((520, 600, 680, 612), fill=light)


def _pattern_sheet(draw, main, accent):
    draw.polygon([(420, 150), (720, 150), (800, 230), (800, 750), (420, 750)], fill="#ffffff")
    draw.polygon([(720, 150), (720, 230), (800, 230)], fill="#d9dde3")
    for row, y in enumerate(range(300, 700, 44)):
        colour = main if row % 3 else accent
        for x in range(470, 750, 44):
            draw.line((x, y, x + 22, y + 26), fill=colour, width=9)
            draw.line((x + 22, y + 26, x + 44, y), fill=colour, width=9)
    draw.rectangle((470, 200, 660, 222), fill=main)


def _parcel(draw, main, accent):
    draw.rounded_rectangle((400, 270, 800, 700), radius=20, fill=main)
    draw.rectangle((580, 270, 620, 700), fill=accent)


OBJECTS = {
    "mug": _mug,
    "tee": _tee,
    "tote": _tote,
    "notebook": _notebook,
    "pen": _pen,
    "poster": _poster,
    "cap": _cap,
    "socks": _socks,
    "bottle": _bottle,
    "candle": _candle,
    "planter": _planter,
    "apron": _apron,
    "stickers": _stickers,
    "book": _book,
    "pattern": _pattern_sheet,
}


def _object_layer(kind: str, main, accent) -> Image.Image:
    layer = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    OBJECTS.get(kind, _parcel)(ImageDraw.Draw(layer), _rgb(main), _rgb(accent))
    # Light from the left: a soft horizontal shade over the object, so it reads as round rather than cut from paper.
    shade = Image.linear_gradient("L").rotate(90).resize((WIDTH, HEIGHT)).point(lambda v: 255 - v * 0.28)
    shaded = ImageChops.multiply(layer.convert("RGB"), Image.merge("RGB", (shade, shade, shade)))
    shaded.putalpha(layer.getchannel("A"))
    return shaded


def _shadow(layer: Image.Image, offset: tuple[int, int], strength: float = 0.35) -> Image.Image:
    """A soft shadow of the object, blurred at a quarter of the size (quick) and laid below and to the right."""
    alpha = layer.getchannel("A").resize((WIDTH // 4, HEIGHT // 4)).filter(ImageFilter.GaussianBlur(7))
    alpha = alpha.point(lambda v: round(v * strength)).resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
    shadow = Image.new("RGBA", (WIDTH, HEIGHT), (20, 24, 30, 0))
    shadow.putalpha(ImageChops.offset(alpha, *offset))
    return shadow


def _transform(layer: Image.Image, *, scale: float = 1.0, angle: float = 0.0, shift=(0, 0)) -> Image.Image:
    if scale != 1.0:
        big = layer.resize((round(WIDTH * scale), round(HEIGHT * scale)), Image.Resampling.BILINEAR)
        left = (big.width - WIDTH) // 2 - shift[0]
        top = (big.height - HEIGHT) // 2 - shift[1]
        layer = big.crop((left, top, left + WIDTH, top + HEIGHT))
        shift = (0, 0)
    if angle:
        layer = layer.rotate(angle, resample=Image.Resampling.BILINEAR, center=(600, 450))
    if shift != (0, 0):
        layer = ImageChops.offset(layer, *shift)
    return layer


def _studio_backdrop(colour) -> Image.Image:
    ground = _vertical_gradient(_mix(colour, "#ffffff", 0.86), _mix(colour, "#ffffff", 0.95))
    floor = _vertical_gradient(_mix(colour, "#ffffff", 0.78), _mix(colour, "#ffffff", 0.9)).crop((0, 0, WIDTH, 200))
    ground.paste(floor, (0, 700))
    return ground


def _striped_backdrop(colour) -> Image.Image:
    ground = Image.new("RGB", (WIDTH, HEIGHT), _mix(colour, "#ffffff", 0.8))
    draw = ImageDraw.Draw(ground)
    stripe = _mix(colour, "#ffffff", 0.7)
    for x in range(-HEIGHT, WIDTH + HEIGHT, 90):
        draw.line((x, 0, x + HEIGHT, HEIGHT), fill=stripe, width=34)
    return ground


def _table_backdrop(colour) -> Image.Image:
    ground = Image.new("RGB", (WIDTH, HEIGHT), "#efe7dc")
    draw = ImageDraw.Draw(ground)
    dot = _mix(colour, "#efe7dc", 0.8)
    for y in range(20, 640, 48):
        for x in range(20 + (y // 48 % 2) * 24, WIDTH, 48):
            draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill=dot)
    table = _vertical_gradient("#b9835a", "#8a5a3b").crop((0, 0, WIDTH, 260))
    grain = ImageDraw.Draw(table)
    for y in range(12, 260, 23):
        grain.line((0, y, WIDTH, y + (y % 3) * 4), fill="#a0704c", width=2)
    ground.paste(table, (0, 640))
    return ground


def render_product_picture(kind: str, colour: str, accent: str, scene: str) -> Image.Image:
    """One 1200x900 picture of a product of `kind` in `colour` (with `accent`) in one of SCENES."""
    if scene == "studio":
        ground, layer = _studio_backdrop(colour), _object_layer(kind, colour, accent)
        offset = (26, 34)
    elif scene == "colourway":
        ground = _striped_backdrop(accent)
        layer = _transform(_object_layer(kind, accent, colour), scale=0.86, angle=-11, shift=(-40, -10))
        offset = (34, 30)
    elif scene == "detail":
        ground = _table_backdrop(colour)
        layer = _transform(_object_layer(kind, colour, accent), scale=1.55, shift=(-120, -70))
        offset = (30, 22)
    else:
        raise ValueError(f"Unknown scene {scene!r}: use one of {', '.join(SCENES)}.")
    picture = ground.convert("RGBA")
    picture.alpha_composite(_shadow(layer, offset))
    picture.alpha_composite(layer)
    return picture.convert("RGB")


@functools.lru_cache(maxsize=64)
def _picture_jpeg(kind: str, colour: str, accent: str, scene: str) -> bytes:
    # Kept per process (about 60 kB each): the tests seed the demo many times, and drawing costs a tenth of a second.
    buffer = io.BytesIO()
    render_product_picture(kind, colour, accent, scene).save(buffer, format="JPEG", quality=86)
    return buffer.getvalue()


def product_picture_file(kind: str, colour: str, accent: str, scene: str, *, name: str) -> ImageFile:
    """render_product_picture() as a JPEG file for a Wagtail image, named `name`.jpg."""
    return ImageFile(io.BytesIO(_picture_jpeg(kind, colour, accent, scene)), name=f"{name}.jpg")
