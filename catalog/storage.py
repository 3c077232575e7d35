"""Content-addressed file store in the instance folder.

Files are kept under their sha256 (``ab/abcdef…``); the same content is stored once. Every
write has a size limit and is written to a temporary file first, so a failed upload leaves
nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from catalog.errors import FileTooLarge, NotFound

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    key: str
    sha256: str
    size: int


class FileStore:
    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def put(self, stream: BinaryIO, max_bytes: int) -> StoredFile:
        """Copy ``stream`` into the store, refusing more than ``max_bytes``."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FileTooLarge(f"file larger than {max_bytes} bytes")
                    digest.update(chunk)
                    tmp.write(chunk)
            key = digest.hexdigest()
            target = self._path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return StoredFile(key=key, sha256=key, size=size)

    def path(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"stored file {key} is missing")
        return path

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise NotFound("not a file key")
        return self.root / key[:2] / key
