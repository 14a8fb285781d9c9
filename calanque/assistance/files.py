"""Files attached to requests: checked by their content, not their name."""

from dataclasses import dataclass

MAX_SIZE = 10 * 1024 * 1024
MAX_FILES = 5
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]


class FileRefused(Exception):
    pass


@dataclass
class CheckedFile:
    filename: str
    content_type: str
    data: bytes


def check(filename: str, data: bytes) -> CheckedFile:
    """Accept images, PDF and plain text; refuse the rest with a reason."""
    name = "".join(c for c in filename if c.isprintable() and c not in '/\\"')[:200] or "fichier"
    if len(data) > MAX_SIZE:
        raise FileRefused(f"« {name} » dépasse 10 Mo.")
    for magic, content_type in SIGNATURES:
        if data.startswith(magic):
            return CheckedFile(name, content_type, data)
    if b"\x00" not in data[:4096]:
        try:
            data.decode("utf-8")
            if b"<html" not in data[:2048].lower() and b"<script" not in data[:4096].lower():
                return CheckedFile(name, "text/plain", data)
        except UnicodeDecodeError:
            pass
    raise FileRefused(f"« {name} » : seuls les images (PNG, JPEG, GIF), les PDF et les textes sont acceptés.")
