"""Content-addressed storage of raw messages.

A message is stored once, under the SHA-256 of its bytes, whatever the number
of mailboxes that hold a copy. ``put`` returns only when the bytes are
durable: written to a temporary file, fsynced, renamed into place, and the
directory fsynced (so that the rename itself survives a power loss).

The backend is chosen by ``CALANQUE_BLOB_BACKEND`` (dotted path to a
``BlobStore`` subclass); the embedded default is a local directory.
"""

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


class BlobStore:
    """Interface of a blob backend."""

    def put(self, data: bytes) -> str:
        """Store ``data`` durably; return its SHA-256 (hex). Idempotent."""
        raise NotImplementedError

    def get(self, sha: str) -> bytes:
        raise NotImplementedError

    def exists(self, sha: str) -> bool:
        raise NotImplementedError

    def delete(self, sha: str) -> None:
        raise NotImplementedError


class LocalBlobStore(BlobStore):
    """Files under ``root/ab/cd/abcdef…`` (two levels keep directories small)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root or settings.CALANQUE_HOME / "blobs")

    def _path(self, sha: str) -> Path:
        if len(sha) != 64 or not all(c in "0123456789abcdef" for c in sha):
            raise ValueError("not a sha256")
        return self.root / sha[:2] / sha[2:4] / sha

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        path = self._path(sha)
        if path.exists():
            return sha
        directory = path.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return sha

    def get(self, sha: str) -> bytes:
        return self._path(sha).read_bytes()

    def exists(self, sha: str) -> bool:
        return self._path(sha).exists()

    def delete(self, sha: str) -> None:
        self._path(sha).unlink(missing_ok=True)


@lru_cache(maxsize=1)
def store() -> BlobStore:
    return import_string(settings.CALANQUE_BLOB_BACKEND)()
