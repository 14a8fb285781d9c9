"""Brute-force defence without handing attackers a denial of service.

Failures are counted per account (or per typed identifier when no account
matches, so that both look the same) and per client IP, in the shared cache
(Redis at scale) so that every web process agrees. Past a threshold, each
further failure locks the key for a growing delay (1, 2, 4… minutes, capped);
when the delay has passed, the correct password and code work again: a locked
account is slowed, never disabled. A browser that already signed in to the
account (known-device cookie) is counted on its own, so an attacker hammering
the account does not lock its owner out. An IP spraying many accounts hits
the higher per-IP threshold.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from calanque.core import clock


@dataclass(frozen=True)
class Rule:
    prefix: str
    free_failures: int
    base_delay: int
    max_delay: int
    window: int


def account_rule() -> Rule:
    return Rule("acct", settings.CALANQUE_SIGNIN_ACCOUNT_FAILURES, 60, 30 * 60, 24 * 3600)


def ip_rule() -> Rule:
    # An hourly window and short locks: a school or the Rectorat behind one
    # address must not be locked out for long by its own users' typos, while
    # spraying stays limited to a few dozen guesses an hour.
    return Rule("ip", settings.CALANQUE_SIGNIN_IP_FAILURES, 60, 15 * 60, 3600)


def _key(rule: Rule, subject: str, what: str) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"throttle:{rule.prefix}:{what}:{digest}"


def locked_for(rule: Rule, subject: str) -> int:
    """Seconds before ``subject`` may try again (0 when it may)."""
    until = cache.get(_key(rule, subject, "until"))
    if until is None:
        return 0
    return max(0, int(until - clock.now() + 0.999))


def record_failure(rule: Rule, subject: str) -> bool:
    """Count one failure; return True when this failure starts a lock-out."""
    count_key = _key(rule, subject, "count")
    cache.add(count_key, 0, rule.window)
    try:
        count = cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, rule.window)
        count = 1
    over = count - rule.free_failures
    if over <= 0:
        return False
    delay = min(rule.base_delay * 2 ** (over - 1), rule.max_delay)
    cache.set(_key(rule, subject, "until"), clock.now() + delay, delay + 60)
    return True


def reset(rule: Rule, subject: str) -> None:
    cache.delete_many([_key(rule, subject, "count"), _key(rule, subject, "until")])
