import pytest

from calanque.mail import blobs


@pytest.fixture(autouse=True)
def own_blob_store(settings, tmp_path):
    """Blobs in a fresh directory for each test: messages built by these
    tests are the same bytes every run, so a shared ``var/blobs`` would
    hand back whatever an earlier run (or an earlier storage format) left
    under the same SHA-256."""
    settings.CALANQUE_HOME = tmp_path
    blobs.store.cache_clear()
    yield
    blobs.store.cache_clear()
