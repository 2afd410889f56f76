"""Backup and restore of the database and the stored files (`xinfang backup`, `xinfang restore`)."""

from .engines import BackupError
from .service import BackupResult, RestoreResult, backup_create, backup_restore, restore_verify

__all__ = ["BackupError", "BackupResult", "RestoreResult", "backup_create", "backup_restore", "restore_verify"]
