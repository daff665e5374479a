"""The document storage adapter a service runs on, chosen by its settings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings

from unefois_kernel.clock import Clock
from unefois_kernel.storage.database import PostgresDocumentStorage
from unefois_kernel.storage.filesystem import FilesystemDocumentStorage

# ---------------------------------------------------------------- settings


class DocumentStorageSettings(BaseSettings):
    """Add to a service's settings class: UNEFOIS_<SERVICE>_DOCUMENT_STORAGE=filesystem|postgres
    and, for the filesystem, UNEFOIS_<SERVICE>_DOCUMENT_ROOT."""

    document_storage: Literal["postgres", "filesystem"] = "postgres"
    document_root: Path | None = None


DocumentStorage = PostgresDocumentStorage | FilesystemDocumentStorage


def storage_from_settings(settings: DocumentStorageSettings, clock: Clock) -> DocumentStorage:
    if settings.document_storage == "filesystem":
        if settings.document_root is None:
            raise ValueError("document_storage=filesystem needs document_root (the folder holding the files)")
        return FilesystemDocumentStorage(settings.document_root, clock)
    return PostgresDocumentStorage(clock)

