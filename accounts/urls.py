from django.urls import path

from accounts.apis import MeApi, TokenCreateApi, TokenRevokeApi, UserCreateApi

urlpatterns = [
    path("users/", UserCreateApi.as_view(), name="user-create"),
    path("token/", TokenCreateApi.as_view(), name="token-create"),
    path("token/revoke/", TokenRevokeApi.as_view(), name="token-revoke"),
    path("me/", MeApi.as_view(), name="me"),
]
