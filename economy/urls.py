from django.urls import path

from economy.apis import GrantCreateApi, GrantListApi, LedgerEntryListApi, TransferCreateApi, WalletDetailApi

urlpatterns = [
    path("transfers/", TransferCreateApi.as_view(), name="transfer-create"),
    path("grants/", GrantCreateApi.as_view(), name="grant-create"),
    path("grants/audit/", GrantListApi.as_view(), name="grant-list"),
    path("wallet/", WalletDetailApi.as_view(), name="wallet-detail"),
    path("wallet/ledger/", LedgerEntryListApi.as_view(), name="ledger-entry-list"),
]
