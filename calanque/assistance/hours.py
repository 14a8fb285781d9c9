"""Business hours of an académie and the service-level deadlines measured in
them.

A calendar is the opening hours per weekday (several intervals a day are
allowed, e.g. a lunch break) and the days when the desk is closed: the French
public holidays (computed, Easter included) and the extra days the académie
lists. Times are wall-clock times in Europe/Paris, so that 8 h stays 8 h on
both sides of a daylight-saving change.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

from calanque.core import clock

PARIS = ZoneInfo("Europe/Paris")
# Monday = 0 … Sunday = 6, as datetime.weekday().
DEFAULT_HOURS = {day: [(time(8), time(17))] for day in range(5)}
# Looking further than this for an opening finds none: the calendar has no
# opening hours at all, and no deadline is set.
HORIZON_DAYS = 800


def now() -> datetime:
    """The current instant from the project's clock seam (tests move it)."""
    return datetime.fromtimestamp(clock.now(), tz=dt_timezone.utc)


def easter(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (anonymous computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def french_public_holidays(year: int) -> dict[date, str]:
    """The eleven public holidays of metropolitan France."""
    sunday = easter(year)
    return {
        date(year, 1, 1): "Jour de l'an",
        sunday + timedelta(days=1): "Lundi de Pâques",
        date(year, 5, 1): "Fête du travail",
        date(year, 5, 8): "Victoire 1945",
        sunday + timedelta(days=39): "Ascension",
        sunday + timedelta(days=50): "Lundi de Pentecôte",
        date(year, 7, 14): "Fête nationale",
        date(year, 8, 15): "Assomption",
        date(year, 11, 1): "Toussaint",
        date(year, 11, 11): "Armistice 1918",
        date(year, 12, 25): "Noël",
    }


@dataclass
class Calendar:
    hours: dict[int, list[tuple[time, time]]] = field(default_factory=lambda: dict(DEFAULT_HOURS))
    closed: set[date] = field(default_factory=set)
    public_holidays: bool = True
    tz: ZoneInfo = PARIS

    def is_closed(self, day: date) -> bool:
        return day in self.closed or (self.public_holidays and day in french_public_holidays(day.year))

    def openings(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of ``day`` as aware datetimes."""
        if self.is_closed(day):
            return []
        return [(datetime.combine(day, start, self.tz), datetime.combine(day, end, self.tz))
                for start, end in sorted(self.hours.get(day.weekday(), [])) if start < end]

    def add(self, start: datetime, seconds: float) -> datetime | None:
        """The instant when ``seconds`` of business time have passed since
        ``start``; None if the calendar never opens."""
        remaining = timedelta(seconds=seconds)
        day = start.astimezone(self.tz).date()
        for _ in range(HORIZON_DAYS):
            for opens, closes in self.openings(day):
                begin = max(opens, start)
                if begin >= closes:
                    continue
                if begin + remaining <= closes:
                    return begin + remaining
                remaining -= closes - begin
            day += timedelta(days=1)
        return None

    def between(self, start: datetime, end: datetime) -> float:
        """Seconds of business time between two instants (0 if end ≤ start)."""
        if end <= start:
            return 0.0
        total = timedelta()
        day, last = start.astimezone(self.tz).date(), end.astimezone(self.tz).date()
        while day <= last:
            for opens, closes in self.openings(day):
                begin, finish = max(opens, start), min(closes, end)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds()
