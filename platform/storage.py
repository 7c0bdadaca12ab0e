"""Content-addressed file storage: a file is kept under its SHA-256, so the same bytes are kept once."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


class Storage:
    """A local directory by default; object storage would implement the same three methods."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, *, max_bytes: int | None = None) -> StoredFile:
        """Store a stream; raises ``OverflowError`` past ``max_bytes`` (nothing is kept then)."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise OverflowError(f"file larger than {max_bytes} bytes")
                    digest.update(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            target = self.path(digest.hexdigest())
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                os.unlink(tmp_name)
            else:
                os.replace(tmp_name, target)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise
        return StoredFile(digest.hexdigest(), size)

    def put_bytes(self, data: bytes) -> StoredFile:
        import io

        return self.put(io.BytesIO(data))

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def copy_to(self, sha256: str, destination: Path) -> None:
        shutil.copyfile(self.path(sha256), destination)


def init_app(app: Flask) -> None:
    app.extensions["smartregion.storage"] = Storage(app.config["STORAGE_DIR"])


def put_upload(file) -> StoredFile:
    """An uploaded file stored whole, refused (413) beyond the request size limit."""
    from smartregion.errors import PayloadTooLarge

    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    try:
        return storage().put(file.stream, max_bytes=limit)
    except OverflowError:
        raise PayloadTooLarge(f"The file is larger than the limit of {limit} bytes.") from None


def storage() -> Storage:
    """The storage of the current application."""
    return current_app.extensions["smartregion.storage"]
