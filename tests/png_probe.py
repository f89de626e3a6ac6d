"""Where a colour is on a PNG: prints {"width", "height", "rows": [first, last]} of the pixels
of the colour given (r,g,b, within 40 per channel), or rows null. Python's standard library
only (zlib): 8-bit RGB or RGBA, not interlaced, as Chromium writes screenshots.
Usage: png_probe.py FILE.png R,G,B"""

import json
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unsupported PNG {header}"
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
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
        prev = line
    return width, height, bpp, rows


def main(path, rgb):
    want = [int(v) for v in rgb.split(",")]
    width, height, bpp, rows = pixels(path)
    found = [
        y
        for y, line in enumerate(rows)
        if any(all(abs(line[x * bpp + k] - want[k]) <= 40 for k in range(3)) for x in range(width))
    ]
    print(json.dumps({"width": width, "height": height, "rows": [found[0], found[-1]] if found else None}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
