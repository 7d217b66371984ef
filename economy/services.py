from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from economy.models import Wallet


def wallet_create(*, user: AbstractBaseUser) -> Wallet:
    """Create the user's wallet; idempotent, so it is safe for users made elsewhere (admin)."""
    wallet, _ = Wallet.objects.get_or_create(user=user)
    return wallet
