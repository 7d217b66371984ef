"""What Django's error reports may show: never a connection URL or its credentials.

Django hides settings whose *name* looks secret (KEY, TOKEN, PASS, ...), but
``DATABASE_URL``, ``REDIS_URL``, the cache ``LOCATION`` and the channel layer's
``hosts`` carry passwords under names that do not. The DEBUG page and the error
e-mails both go through this filter; production also refuses DEBUG outright.
"""

from __future__ import annotations

import re

from django.views.debug import SafeExceptionReporterFilter


class ConnectionSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|DATABASES|CACHES|CHANNEL_LAYERS|LOCATION|HOSTS",
        flags=re.IGNORECASE,
    )
