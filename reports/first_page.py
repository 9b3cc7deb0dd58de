"""Draw a PDF's first page to a PNG, for the README:

    python -m reports.first_page .ascn/reports/2018.pdf docs/report-2018.png

PDFium (pypdfium2, in the dev extra) draws the page exactly as the PDF holds it; the
image is kept small by a palette of 256 colours, which text and flat charts need no
more than.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pypdfium2

POINTS_PER_INCH = 72


def first_page(pdf: Path, png: Path, *, dpi: int = 110) -> tuple[int, int]:
    """Write ``pdf``'s first page to ``png`` at ``dpi``; returns the image's size."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / POINTS_PER_INCH).to_pil()
    finally:
        document.close()
    image = image.convert("RGB").quantize(colors=256)
    image.save(png, optimize=True)
    width, height = image.size
    return int(width), int(height)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Draw a PDF's first page to a PNG.")
    parser.add_argument("pdf", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--dpi", type=int, default=110)
    args = parser.parse_args(argv)
    width, height = first_page(args.pdf, args.png, dpi=args.dpi)
    print(f"wrote {args.png}: {width}x{height} pixels, {args.png.stat().st_size} bytes")


if __name__ == "__main__":
    main()
