"""HTML pages: the main text, taken with trafilatura before the body rules read it."""

from __future__ import annotations

import re

_LOOKS_LIKE_HTML = re.compile(
    r"^\ufeff?\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype html|<html|<head|<body|<article|<div|<p[\s>])",
    re.IGNORECASE | re.DOTALL,
)


def is_html(text: str) -> bool:
    return bool(_LOOKS_LIKE_HTML.match(text))


def main_text(html: str) -> str:
    import trafilatura  # slow to import; only pages need it

    found = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    return found or ""
