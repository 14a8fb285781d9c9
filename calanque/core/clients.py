"""What the server knows of the client: its IP address and browser."""

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind the documented TLS proxy the address that proxy
    saw (the last entry of X-Forwarded-For, the only one it vouches for)."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari")]
_SYSTEMS = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def describe_user_agent(value: str) -> str:
    """« Firefox sur Windows » from a User-Agent header; the raw value when
    nothing is recognised (it is shown escaped, never interpreted)."""
    browser = next((name for token, name in _BROWSERS if token in value), None)
    system = next((name for token, name in _SYSTEMS if token in value), None)
    if browser and system:
        return f"{browser} — {system}"
    return browser or system or value[:60]
