"""Secret-bearing endpoint URLs: what of a URL may be a secret, masking it in any text, and the registry of
every URL the config named (so text from anywhere, a log line or an alert body, can be scrubbed)."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

_KNOWN_SECRET_URLS: set[str] = set()  # every endpoint URL the config named, for scrub_known


def secret_parts(url: str) -> list[str]:
    """The pieces of `url` that may carry secrets: credentials, each path segment and each query value (API keys
    live there), in the forms they may appear in an error (as written, percent-decoded, percent-encoded)."""
    parts = urlsplit(url)
    credentials = [p for p in (parts.password, parts.username) if p and len(unquote(p)) >= 4]
    # Short path segments and values ("v3", "rpc", "1") are not secrets and would mask ordinary words.
    pieces = [p for p in parts.path.split("/") + [q.partition("=")[2] for q in parts.query.split("&")] if len(p) >= 6]
    forms = {f for piece in credentials + pieces for f in (piece, unquote(piece), quote(unquote(piece), safe=""))}
    return sorted((f for f in forms if f), key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """`text` with every secret-bearing piece of `url` (and of every endpoint the config named) masked."""
    for piece in secret_parts(url):
        text = text.replace(piece, "***")
    return scrub_known(text)


def remember_secret_url(url: str) -> None:
    _KNOWN_SECRET_URLS.add(url)


def scrub_known(text: str) -> str:
    for url in _KNOWN_SECRET_URLS:
        for piece in secret_parts(url):
            text = text.replace(piece, "***")
    return text


def display_url(url: str) -> str:
    """scheme://host[:port] of a URL: no path, query or credentials, since those may carry API keys."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"
