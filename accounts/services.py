from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from redis.exceptions import RedisError
from rest_framework.authtoken.models import Token

from accounts.errors import ErrorCode
from accounts.selectors import token_refusal
from core.errors import Conflict, InvalidInput
from core.ratelimit import Rate, window_increment, window_peek
from economy.services import wallet_create

logger = logging.getLogger(__name__)


@transaction.atomic
def user_create(*, username: str, password: str, email: str = "", is_staff: bool = False) -> tuple[User, Token]:
    """Sign a player up: the user, their wallet and their API token, all or nothing."""
    candidate = get_user_model()(username=username, email=email, is_staff=is_staff)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code=ErrorCode.WEAK_PASSWORD) from None
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        raise Conflict("That username is taken.", code=ErrorCode.USERNAME_TAKEN) from None
    wallet_create(user=candidate)
    return candidate, Token.objects.create(user=candidate)


@transaction.atomic
def token_for(*, user: User) -> Token:
    """The user's API token: the current one, or a new one when it has expired or is a demo token."""
    token, created = Token.objects.select_related("user").get_or_create(user=user)
    if created or token_refusal(token=token) is None:
        return token
    # Compare-and-delete on the old key: two concurrent sign-ins replace it once.
    Token.objects.filter(key=token.key).delete()
    return Token.objects.get_or_create(user=user)[0]


def token_revoke(*, user: User) -> bool:
    """Delete the user's API token (sign-out everywhere it was used); whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted > 0


def _login_failure_keys(*, username: str, ip: str) -> list[tuple[str, Rate]]:
    """The counters a failed sign-in feeds, with their rates (unset rates are skipped).

    The username is hashed: it is client input, and a cache key must stay short and
    free of spaces whatever was typed; case-folded, as Django's login is case-sensitive
    but an attacker trying "Admin" and "admin" is one attacker.
    """
    rates = settings.LOGIN_THROTTLE_RATES
    digest = hashlib.sha256(username.casefold().encode()).hexdigest()[:32]
    keys = [("username", f"login-fail:user:{digest}"), ("ip", f"login-fail:ip:{ip}")]
    return [(key, Rate.parse(rate)) for name, key in keys if (rate := rates.get(name))]


def login_throttle_wait(*, username: str, ip: str) -> int | None:
    """Seconds until a sign-in may be tried again, or None when it may be tried now.

    Checked before the password is: a throttled attempt costs no hashing and reveals
    nothing about the password.
    """
    waits = []
    try:
        for key, rate in _login_failure_keys(username=username, ip=ip):
            window = window_peek(key, window_seconds=rate.window_seconds)
            if window.count >= rate.limit:
                waits.append(window.retry_after())
    except RedisError as error:
        # As the request throttles do (config/throttling.py): Redis down must not turn
        # every sign-in into a 500; the counters resume when it returns.
        logger.warning("login throttle: counter unavailable (%s); not throttling", error)
    return max(waits) if waits else None


def login_failure_record(*, username: str, ip: str) -> None:
    try:
        for key, rate in _login_failure_keys(username=username, ip=ip):
            window_increment(key, window_seconds=rate.window_seconds)
    except RedisError as error:
        logger.warning("login throttle: failure not counted (%s)", error)
