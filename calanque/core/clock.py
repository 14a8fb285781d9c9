"""The clock of the domain code, as a seam: tests move time forward
(``monkeypatch.setattr(clock, "now", …)``) instead of sleeping."""

import time


def now() -> float:
    """Seconds since the epoch."""
    return time.time()
