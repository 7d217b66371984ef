from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from accounts.errors import ErrorCode
from core.errors import Conflict, InvalidInput
from economy.services import wallet_create


@transaction.atomic
def user_create(*, username: str, password: str, is_staff: bool = False) -> tuple[User, Token]:
    """Sign a player up: the user, their wallet and their API token, all or nothing."""
    candidate = get_user_model()(username=username, is_staff=is_staff)
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


def token_for(*, user: User) -> Token:
    token, _ = Token.objects.get_or_create(user=user)
    return token
