"""What the server knows of the client: its IP address and browser."""

from dataclasses import dataclass

from django.conf import settings


@dataclass
class Client:
    """Where a request comes from, as the audit log records it. ``device``
    is the browser's known-device mark (``<account id>:<random>``), set after
    a complete sign-in (accounts.views)."""

    ip: str | None = None
    user_agent: str = ""
    device: str | None = None


def client_of(request, device: str | None = None) -> Client:
    """The Client of an HTTP request, for the domain actions that log it."""
    return Client(ip=client_ip(request), user_agent=user_agent(request), device=device)


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
