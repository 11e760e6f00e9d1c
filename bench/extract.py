"""How long a long article takes: extraction alone, and POST /documents end to end.

    python bench/extract.py [--kb 200] [--runs 5] [--articles tests/reference/articles]

Builds an article of about --kb kilobytes from the given articles (bodies and furniture alike,
each copy made distinct so that nothing is read twice as the same claim), then times the
extractor on it and POST /documents into a SQLite store (each run as another source, on an app
that has served a short article first), median and worst of --runs.
Ends with one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.app import create_app
from service.config import Config
from service.extract import extract
from service.storage.migrate import upgrade


def long_article(folder: Path, kilobytes: int) -> str:
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    parts: list[str] = []
    size = 0
    copy = 0
    while size < kilobytes * 1024:
        for text in texts:
            # A different place name in each copy: the same sentence about another town.
            part = text.replace("Cianjur", f"Cianjur{copy}").replace("Bandung", f"Bandung{copy}")
            parts.append(part)
            size += len(part.encode())
        copy += 1
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--articles", type=Path, default=Path("tests/reference/articles"))
    args = parser.parse_args()
    text = long_article(args.articles, args.kb)
    published = date(2022, 11, 22)

    extract_s = []
    for _ in range(args.runs):
        started = time.perf_counter()
        found = extract(text, published=published)
        extract_s.append(time.perf_counter() - started)

    post_s = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        config = Config()
        config.DATABASE_URL = url
        config.MAX_CONTENT_LENGTH = 4 * args.kb * 1024
        # The work is timed, not the per-key rate limits that guard a deployed server.
        config.RATE_LIMIT_READS = config.RATE_LIMIT_WRITES = ""
        app = create_app(config)
        client = app.test_client()
        # A server that has answered before: one short article first, so that the timings below
        # are of the work, not of the first request's statement compiling.
        warm = {"text": text[: 8 * 1024], "source": {"name": "warm-up"}, "published_at": "2022-11-22"}
        client.post("/documents", json=warm)
        for run in range(args.runs):
            body = {"text": text, "source": {"name": f"bench {run}"}, "published_at": "2022-11-22"}
            started = time.perf_counter()
            response = client.post("/documents", json=body)
            post_s.append(time.perf_counter() - started)
            if response.status_code != 201:
                raise RuntimeError(response.get_data(as_text=True))
            stored = len(response.get_json()["claims"])
        app.extensions["ceksilang"].db.dispose()

    figures = {
        "kilobytes": round(len(text.encode()) / 1024),
        "claims_found": len(found.claims),
        "claims_stored": stored,
        "extract_median_s": round(statistics.median(extract_s), 3),
        "extract_max_s": round(max(extract_s), 3),
        "post_documents_median_s": round(statistics.median(post_s), 3),
        "post_documents_max_s": round(max(post_s), 3),
    }
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
