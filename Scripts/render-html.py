#!/usr/bin/env python3
"""Renders an HTML file in headless Chromium and reports, as JSON, what a person would see:
the elements of the rendered DOM by class (with their data- attributes) and how much of a
screenshot is not background. Tests of kura status --html use it; it fails when Chromium is
missing (Scripts/test.sh installs it)."""
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("render-html: chromium is not installed (Scripts/test.sh installs Debian's chromium)")


FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--disable-dev-shm-usage", "--allow-file-access-from-files"]


class Elements(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.by_class = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in (attributes.get("class") or "").split():
            data = {k: v for k, v in attributes.items() if k.startswith("data-") or k == "id"}
            data["tag"] = tag
            self.by_class.setdefault(name, []).append(data)

    handle_startendtag = handle_starttag


def png_pixels(path):
    """Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, chunks, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks += body
        position += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, f"unsupported PNG {header}"
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(chunks)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        previous = line
    return width, height, channels, rows


def main():
    page = os.path.abspath(sys.argv[1])
    browser = chromium()
    url = "file://" + page
    dom = subprocess.run([browser, *FLAGS, "--dump-dom", url], capture_output=True, timeout=120)
    if dom.returncode != 0 or not dom.stdout:
        sys.exit(f"render-html: chromium --dump-dom failed ({dom.returncode}): {dom.stderr.decode()[-500:]}")
    parser = Elements()
    parser.feed(dom.stdout.decode())
    with tempfile.TemporaryDirectory() as folder:
        shot = os.path.join(folder, "page.png")
        subprocess.run([browser, *FLAGS, f"--screenshot={shot}", "--window-size=1000,1400", url],
                       capture_output=True, timeout=120)
        if not os.path.exists(shot):
            sys.exit("render-html: chromium wrote no screenshot")
        width, height, channels, rows = png_pixels(shot)
    background = rows[0][0:3]
    differing = sum(1 for row in rows for x in range(0, width * channels, channels)
                    if row[x:x + 3] != background)
    colours = len({bytes(row[x:x + 3]) for row in rows[::7] for x in range(0, width * channels, channels * 7)})
    json.dump({"elements": parser.by_class, "screenshot": {"width": width, "height": height,
               "non_background_fraction": differing / (width * height), "colours": colours}}, sys.stdout)


if __name__ == "__main__":
    main()
