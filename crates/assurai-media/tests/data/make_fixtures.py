"""Makes the tiny committed image fixtures (Pillow 11+).

Run from this folder:  /work/venv-media/bin/python make_fixtures.py
"""
from PIL import Image

# CMYK JPEG (Adobe APP14 marker, as Photoshop writes it): left half red, right half blue.
cmyk = Image.new("CMYK", (16, 8), (0, 255, 255, 0))
cmyk.paste((255, 255, 0, 0), (8, 0, 16, 8))
cmyk.save("cmyk.jpg", quality=95)

# EXIF orientation 6 ("rotate 90 clockwise to display"): stored 40x20 with the left half red and
# the right half blue, so it displays 20x40 with red on top and blue below.
rot = Image.new("RGB", (40, 20), (255, 0, 0))
rot.paste((0, 0, 255), (20, 0, 40, 20))
exif = Image.Exif()
exif[0x0112] = 6
rot.save("exif-orientation-6.jpg", quality=95, exif=exif.tobytes())
