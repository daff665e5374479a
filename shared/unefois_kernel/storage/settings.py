"""The document storage adapter a service runs on, chosen by its settings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings

from unefois_kernel.clock import Clock
from unefois_kernel.storage.database import PostgresDocumentStorage
from unefois_kernel.storage.filesystem import FilesystemDocumentStorage, sweep_every

# ---------------------------------------------------------------- settings


class DocumentStorageSettings(BaseSettings):
    """Add to a service's settings class: UNEFOIS_<SERVICE>_DOCUMENT_STORAGE=filesystem|postgres
    and, for the filesystem, UNEFOIS_<SERVICE>_DOCUMENT_ROOT."""

    document_storage: Literal["postgres", "filesystem"] = "postgres"
    document_root: Path | None = None
    # The filesystem adapter's sweeper (files of rolled-back writes and deleted documents): a pass
    # every this many seconds, far longer than any transaction.
    document_sweep_interval_s: float = Field(default=600, gt=0)


DocumentStorage = PostgresDocumentStorage | FilesystemDocumentStorage


def storage_from_settings(settings: DocumentStorageSettings, clock: Clock) -> DocumentStorage:
    if settings.document_storage == "filesystem":
        if settings.document_root is None:
            raise ValueError("document_storage=filesystem needs document_root (the folder holding the files)")
        return FilesystemDocumentStorage(settings.document_root, clock)
    return PostgresDocumentStorage(clock)



def start_document_sweeper(runtime, storage: DocumentStorage) -> None:
    """From a service's on_startup hook: run the filesystem adapter's sweeper with the runtime
    (the PostgreSQL adapter needs none: its content rolls back with its row)."""
    if isinstance(storage, FilesystemDocumentStorage):
        interval = runtime.settings.document_sweep_interval_s
        runtime.run_in_background("document-sweep", lambda stop: sweep_every(storage, runtime.pool, stop,
                                                                             interval_s=interval))
