"""Hot path 4: an uncontended wallet transfer through the API (SPEC "Economy transfer").

Every call carries a fresh Idempotency-Key, so each one is a real transfer (a replay
would be a cheaper path and flatter the numbers), and checks the caller's new
balance, which proves the debit happened exactly once.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from accounts.services import user_create
from economy.services import wallet_grant
from perf.harness import Scenario, api_client, expect, register

PATH = "/api/economy/transfers/"
#: Enough for any benchmark run at one coin per call.
FUNDS = 10**12


@register
class TransferScenario(Scenario):
    name = "transfer"
    description = "POST /api/economy/transfers/: debit, credit and two ledger legs (default strategy)"

    def setup(self) -> None:
        tag = uuid.uuid4().hex[:12]
        sender, token = user_create(username=f"perf-tx-from-{tag}", password=uuid.uuid4().hex)
        self.receiver, _ = user_create(username=f"perf-tx-to-{tag}", password=uuid.uuid4().hex)
        _grant, self.balance = wallet_grant(user=sender, amount=FUNDS)
        self.client = api_client(token=token.key)
        self.keys = itertools.count(1)
        self.tag = tag

    def prepare(self, count: int) -> list[Any]:
        return [f"perf-{self.tag}-{next(self.keys)}" for _ in range(count)]

    def run(self, item: Any) -> None:
        response = self.client.post(
            PATH, {"to_user_id": self.receiver.pk, "amount": 1}, format="json", HTTP_IDEMPOTENCY_KEY=item
        )
        expected = self.balance - 1
        expect(response, 201, lambda body: body["balance"] == expected and body["amount"] == 1)
        self.balance = expected
