import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Certificates are stored in a directory of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path)
