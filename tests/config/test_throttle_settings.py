import pytest
from django.core.exceptions import ImproperlyConfigured

from config import settings as config_settings


@pytest.mark.parametrize(("raw", "expected"), [("20/minute", "20/minute"), ("5/s", "5/s"), ("off", None), ("", None)])
def test_throttle_rate_from_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("THROTTLE_AUTH_RATE", raw)

    assert config_settings._throttle_rate("THROTTLE_AUTH_RATE", "1/day") == expected


@pytest.mark.parametrize("raw", ["20", "0/minute", "20/fortnight", "twenty/minute"])
def test_malformed_throttle_rate_stops_start_up(monkeypatch, raw):
    monkeypatch.setenv("THROTTLE_AUTH_RATE", raw)

    with pytest.raises(ImproperlyConfigured, match="THROTTLE_AUTH_RATE"):
        config_settings._throttle_rate("THROTTLE_AUTH_RATE", "1/day")
