"""Reference frame-quality figures with numpy, for tests/quality_reference.rs.

The raw RGB24 frames were made with:
  ffmpeg -f lavfi -i testsrc2=size=64x48 -frames:v 1 -f rawvideo -pix_fmt rgb24 testsrc2-64x48.rgb
  ffmpeg -f lavfi -i testsrc2=size=64x48 -vf boxblur=2 -frames:v 1 -f rawvideo -pix_fmt rgb24 testsrc2-blur-64x48.rgb
  ffmpeg -f lavfi -i "nullsrc=size=31x17,geq=random(1)*255:128" -frames:v 1 -f rawvideo -pix_fmt rgb24 noise-31x17.rgb
Run from this folder: /work/venv-media/bin/python quality_reference.py > quality-reference.json
"""
import json

import numpy as np


def measure(rgb):
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    y = ((77 * r + 150 * g + 29 * b + 128) >> 8).astype(np.float64)
    hist = np.bincount(y.astype(np.int64).ravel(), minlength=256)
    p = hist[hist > 0] / y.size
    lap = y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:] - 4 * y[1:-1, 1:-1]
    return {
        "sharpness": float(lap.var()),
        "entropy": float(-(p * np.log2(p)).sum()),
        "brightness": float(y.mean()),
        "contrast": float(y.std()),
    }


frames = [("testsrc2-64x48.rgb", 64, 48), ("testsrc2-blur-64x48.rgb", 64, 48), ("noise-31x17.rgb", 31, 17)]
out = []
for name, w, h in frames:
    rgb = np.fromfile(name, dtype=np.uint8).reshape(h, w, 3)
    out.append({"file": name, "width": w, "height": h, **measure(rgb)})
print(json.dumps(out, indent=1))
