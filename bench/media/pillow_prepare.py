"""Reference: image preparation with Pillow, the same steps as assurai_media::prepare_image.

decode PNG from bytes -> EXIF transpose -> RGB (alpha flattened on white) -> Lanczos resize to a
1024 max side -> JPEG quality 85 -> Base64 data URL.

Usage: python pillow_prepare.py IMAGE [SECONDS]   prints images/second and the time per image.
"""
import base64
import io
import sys
import time

from PIL import Image, ImageOps


def prepare(data: bytes, max_side: int = 1024, quality: int = 85) -> str:
    im = Image.open(io.BytesIO(data))
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "P"):
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im)
    im = im.convert("RGB")
    w, h = im.size
    if max(w, h) > max_side:
        scale = max_side / max(w, h)
        size = (max_side, max(1, round(h * scale))) if w >= h else (max(1, round(w * scale)), max_side)
        im = im.resize(size, Image.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def main() -> None:
    data = open(sys.argv[1], "rb").read()
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    prepare(data)  # warm-up
    n, start, cpu0 = 0, time.perf_counter(), cpu_seconds()
    while time.perf_counter() - start < budget:
        prepare(data)
        n += 1
    wall = (time.perf_counter() - start) / n
    cpu = (cpu_seconds() - cpu0) / n
    print(f"pillow {Image.__version__}: wall {1000 * wall:.2f} ms/run, cpu {1000 * cpu:.2f} ms/run ({n} runs)")


def cpu_seconds() -> float:
    import resource
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


if __name__ == "__main__":
    main()
