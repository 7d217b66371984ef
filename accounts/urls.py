from django.urls import path

from accounts.apis import MeApi, TokenCreateApi, UserCreateApi

urlpatterns = [
    path("users/", UserCreateApi.as_view(), name="user-create"),
    path("token/", TokenCreateApi.as_view(), name="token-create"),
    path("me/", MeApi.as_view(), name="me"),
]
