"""Draw docs/images/zh-table.png and zh-graph.png: a cell's table and graph in Chinese, as a
browser shows them (headless Chromium, with the notebook's own HTML).

Run from the repository root, with Graphviz, Chromium, Pillow and fonts-noto-cjk installed::

    PYTHONPATH=. python docs/images/make_zh_images.py
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops

from admagic import differentiate
from admagic.messages import speaking

HERE = Path(__file__).resolve().parent
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<style>body {{ font-family: "Noto Sans CJK SC", "PingFang SC", sans-serif; font-size: 14px;
margin: 16px; background: white; color: #1d1d1d }}</style></head><body>{body}</body></html>"""


def screenshot(html, path, width=900):
    """`html` as Chromium draws it, cropped to what is drawn, saved as `path`."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("needs chromium")
    with tempfile.TemporaryDirectory() as folder:
        page, picture = Path(folder) / "page.html", Path(folder) / "shot.png"
        page.write_text(PAGE.format(body=html), encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--force-device-scale-factor=2",
                        f"--window-size={width},1400", f"--screenshot={picture}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
        image = Image.open(picture).convert("RGB")
    drawn = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    left, top, right, bottom = drawn
    image.crop((max(left - 16, 0), max(top - 16, 0), right + 16, bottom + 16)).save(path)
    print(f"wrote {path}")


def main():
    with speaking("zh"):
        # A branch that doesn't use x here (a note), and finite differences beside dz/dx.
        table = differentiate("y = max(x, 0.0)\nz = np.sin(x) * np.exp(x)", {"x": -0.5},
                              check=True, graph=False)
        screenshot(table._repr_html_(), HERE / "zh-table.png", width=760)
        cell = differentiate("y = x * x\nz = np.sin(y) + y", {"x": 1.5}, edges=True)
        screenshot(cell._repr_html_(), HERE / "zh-graph.png")

if __name__ == "__main__":
    main()
