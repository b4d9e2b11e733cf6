"""Screenshots of every docs page that shows a picture, in headless Chromium, for review.

``make docs-shots`` builds the site and runs this; the PNGs land in ``build/docs-shots/``
(one per page, 1400 px wide, the width the docs are read at). It is not a test: look
at them, and at how the pictures read at the width the page gives them. Needs
Debian's ``chromium`` package (``apt-get install -y chromium``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]
_PICTURE = re.compile(r'<img [^>]*src="[^"]*diagrams/[^"]+\.png"')


def pages_with_pictures(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if _PICTURE.search(p.read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0] if __doc__ else None)
    parser.add_argument("--site", type=Path, default=REPO_ROOT / "site")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "docs-shots")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2200)
    args = parser.parse_args(argv)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("Chromium is not on PATH: apt-get install -y chromium", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for page in pages_with_pictures(args.site):
        name = str(page.parent.relative_to(args.site)).replace("/", "-").replace(".", "home") + ".png"
        shot = args.out / name
        subprocess.run(
            [
                browser,
                *FLAGS,
                f"--window-size={args.width},{args.height}",
                f"--screenshot={shot}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        print(f"{shot.relative_to(REPO_ROOT)}  <-  {page.relative_to(args.site)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
