"""Events audited through Django's signals (connected in AuditConfig.ready): logins, failed logins and
logouts, and every change made through the Django admin (/admin/). Nothing personal is recorded beyond
the user name that was tried and the remote address."""

from __future__ import annotations

import json

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save

from .services import audit_record

ADMIN_ACTIONS = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}


def _remote_addr(request) -> str:
    return (getattr(request, "META", None) or {}).get("REMOTE_ADDR", "")[:64] if request is not None else ""


def on_login(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.login", obj=user,
                 data={"username": user.get_username(), "remote_addr": _remote_addr(request)})


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in `credentials` with stars; only the name is kept
    username = str((credentials or {}).get("username") or "")[:150]
    audit_record(actor=None, action="auth.login_failed", object_type="auth.user",
                 data={"username": username, "remote_addr": _remote_addr(request)})


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", obj=user, data={"remote_addr": _remote_addr(request)})


def admin_entry_data(entry: LogEntry) -> dict:
    """What changed, without the values: the model, and the names of the changed fields."""
    try:
        message = json.loads(entry.change_message or "[]")
    except ValueError:
        message = []
    fields = sorted({f for part in message if isinstance(part, dict) for detail in part.values()
                     if isinstance(detail, dict) for f in detail.get("fields", [])})
    ct = entry.content_type
    return {"model": f"{ct.app_label}.{ct.model}" if ct else "", "fields": fields, "admin_log_id": entry.pk}


def record_admin_entry(entry: LogEntry) -> None:
    ct = entry.content_type
    audit_record(actor=entry.user, action=ADMIN_ACTIONS.get(entry.action_flag, "admin.other"),
                 object_type=f"{ct.app_label}.{ct.model}" if ct else "", object_id=str(entry.object_id or "")[:64],
                 data=admin_entry_data(entry))


def on_admin_log_entry(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        record_admin_entry(instance)


def _log_deletions_audited(original):
    """ModelAdmin.log_deletions writes several LogEntry rows with bulk_create (no post_save): audit those."""

    def log_deletions(self, request, queryset):
        entries = original(self, request, queryset)
        if isinstance(entries, list) and len(entries) > 1:
            for entry in entries:
                record_admin_entry(entry)
        return entries

    log_deletions.audited = True
    return log_deletions


def connect() -> None:
    from django.contrib.admin import ModelAdmin

    user_logged_in.connect(on_login, dispatch_uid="xinfang.audit.login")
    user_login_failed.connect(on_login_failed, dispatch_uid="xinfang.audit.login_failed")
    user_logged_out.connect(on_logout, dispatch_uid="xinfang.audit.logout")
    post_save.connect(on_admin_log_entry, sender=LogEntry, dispatch_uid="xinfang.audit.admin")
    if not getattr(ModelAdmin.log_deletions, "audited", False):
        ModelAdmin.log_deletions = _log_deletions_audited(ModelAdmin.log_deletions)
