"""Content-addressed storage of raw messages (and of request attachments).

A blob is stored once, under the SHA-256 of its bytes, whatever the number of
mailboxes that hold a copy. ``put`` returns only when the bytes are durable.
``get`` gives back exactly the bytes that were put: the stored object is
compressed (zlib, like Dovecot's ``mail_compress`` or git's objects) when that
saves room, behind a four-byte header that says how to read it (``CQ\\0z``
or ``CQ\\0r``). Objects written before compression existed have no header
and are read as they are: a message never starts with a NUL byte in its
third position, so the two cannot be confused.

Two backends behind one interface, chosen by ``CALANQUE_BLOB_BACKEND`` (the
dotted path of a ``BlobStore`` subclass):

- ``LocalBlobStore`` (embedded default): files under ``CALANQUE_HOME/blobs/``,
  written to a temporary file, fsynced, renamed into place, and the directory
  fsynced (so that the rename itself survives a power loss);
- ``S3BlobStore``: an S3-compatible object store through boto3; an object
  exists once the PUT has returned 200, which is S3's durability promise.
"""

import hashlib
import os
import tempfile
import zlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

_RAW, _ZLIB = b"CQ\0r", b"CQ\0z"


def encode(data: bytes) -> bytes:
    """The stored form of ``data``: compressed when that saves at least 10 %."""
    packed = zlib.compress(data, 6)
    if len(packed) < len(data) * 0.9:
        return _ZLIB + packed
    return _RAW + data


def decode(stored: bytes) -> bytes:
    header, payload = stored[:4], stored[4:]
    if header == _ZLIB:
        return zlib.decompress(payload)
    if header == _RAW:
        return payload
    return stored  # written before compression: the bytes themselves


def check_sha(sha: str) -> str:
    if len(sha) != 64 or not all(c in "0123456789abcdef" for c in sha):
        raise ValueError("not a sha256")
    return sha


class BlobStore:
    """Interface of a blob backend: subclasses move stored objects."""

    def put(self, data: bytes) -> str:
        """Store ``data`` durably; return its SHA-256 (hex). Idempotent."""
        sha = hashlib.sha256(data).hexdigest()
        if not self.exists(sha):
            self._write(sha, encode(data))
        return sha

    def get(self, sha: str) -> bytes:
        return decode(self._read(check_sha(sha)))

    def exists(self, sha: str) -> bool:
        raise NotImplementedError

    def delete(self, sha: str) -> None:
        raise NotImplementedError

    def _write(self, sha: str, stored: bytes) -> None:
        raise NotImplementedError

    def _read(self, sha: str) -> bytes:
        raise NotImplementedError


class LocalBlobStore(BlobStore):
    """Files under ``root/ab/cd/abcdef…`` (two levels keep directories small)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root or settings.CALANQUE_HOME / "blobs")

    def _path(self, sha: str) -> Path:
        sha = check_sha(sha)
        return self.root / sha[:2] / sha[2:4] / sha

    def _write(self, sha: str, stored: bytes) -> None:
        path = self._path(sha)
        directory = path.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(stored)
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

    def _read(self, sha: str) -> bytes:
        return self._path(sha).read_bytes()

    def exists(self, sha: str) -> bool:
        return self._path(sha).exists()

    def delete(self, sha: str) -> None:
        self._path(sha).unlink(missing_ok=True)


class S3BlobStore(BlobStore):
    """Objects ``<prefix>ab/cd/abcdef…`` in one bucket of an S3-compatible
    store (MinIO, Ceph RGW, Garage, OVHcloud, Scaleway, AWS…), configured by
    ``CALANQUE_S3_ENDPOINT``, ``CALANQUE_S3_BUCKET``, ``CALANQUE_S3_REGION``,
    ``CALANQUE_S3_ACCESS_KEY``/``CALANQUE_S3_SECRET_KEY`` (or boto3's usual
    credential chain) and ``CALANQUE_S3_PREFIX``."""

    def __init__(self):
        import boto3  # only needed with this backend: pip install 'calanque[s3]'
        from botocore.config import Config

        self.bucket = settings.CALANQUE_S3_BUCKET
        if not self.bucket:
            raise ValueError("CALANQUE_S3_BUCKET est requis avec S3BlobStore")
        self.prefix = settings.CALANQUE_S3_PREFIX
        self.client = boto3.client(
            "s3", endpoint_url=settings.CALANQUE_S3_ENDPOINT, region_name=settings.CALANQUE_S3_REGION,
            aws_access_key_id=settings.CALANQUE_S3_ACCESS_KEY or None,
            aws_secret_access_key=settings.CALANQUE_S3_SECRET_KEY or None,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}, s3={"addressing_style": "path"}),
        )
        self._missing = self.client.exceptions.NoSuchKey

    def _key(self, sha: str) -> str:
        sha = check_sha(sha)
        return f"{self.prefix}{sha[:2]}/{sha[2:4]}/{sha}"

    def _write(self, sha: str, stored: bytes) -> None:
        # The body's SHA-256 is sent along: the store refuses a damaged upload.
        self.client.put_object(Bucket=self.bucket, Key=self._key(sha), Body=stored, ChecksumAlgorithm="SHA256")

    def _read(self, sha: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(sha))["Body"].read()
        except self._missing:
            raise FileNotFoundError(sha) from None

    def exists(self, sha: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, sha: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(sha))


@lru_cache(maxsize=1)
def store() -> BlobStore:
    return import_string(settings.CALANQUE_BLOB_BACKEND)()
