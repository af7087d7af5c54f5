#!/usr/bin/env python3
"""Is a PNG screenshot more than a blank page? Standard library only (zlib), no PIL.

Usage: png_variance.py FILE [MIN_STD]. Decodes 8-bit greyscale/RGB/RGBA (non-interlaced) PNGs,
undoes the scanline filters, and prints the luminance standard deviation (0–255) and the fraction
of pixels that are not near-white; exits 1 when the standard deviation is below MIN_STD (default 8)
or fewer than 1% of the pixels are inked.
"""
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: only 8-bit non-interlaced grey/RGB/RGBA PNGs are read")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, channels, rows


def main():
    path = sys.argv[1]
    min_std = float(sys.argv[2]) if len(sys.argv) > 2 else 8.0
    width, height, channels, rows = read_png(path)
    total = count = 0.0
    sq = 0.0
    inked = 0
    for line in rows:
        for x in range(0, width * channels, channels * 2):  # every other pixel: plenty for a variance
            if channels >= 3:
                lum = 0.299 * line[x] + 0.587 * line[x + 1] + 0.114 * line[x + 2]
            else:
                lum = line[x]
            total += lum
            sq += lum * lum
            count += 1
            inked += lum < 235
    mean = total / count
    std = max(sq / count - mean * mean, 0) ** 0.5
    frac = inked / count
    print(f"{path}: {width}x{height}, luminance std {std:.1f}, inked {100 * frac:.1f}% (need std >= {min_std}, inked >= 1%)")
    sys.exit(0 if std >= min_std and frac >= 0.01 else 1)


if __name__ == "__main__":
    main()
