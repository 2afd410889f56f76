"""Finding 1 of issue 9: the chain is keyed (HMAC under XINFANG_AUDIT_KEY), so a row edited and re-chained
with the public source fails `audit verify`; rows from before the upgrade keep verifying."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from xinfang.audit import keys
from xinfang.audit.models import AuditEntry, AuditHead
from xinfang.audit.services import GENESIS, _digest, audit_record, audit_verify

AUDIT_KEY = "h9a-test-audit-key-not-in-the-database"


@pytest.fixture
def audit_key(settings):
    settings.AUDIT_KEY = AUDIT_KEY
    return AUDIT_KEY


def _entries(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        audit_record(actor=None, action="test.event", object_type="test.thing", object_id=str(i),
                     data={"i": i, "note": "审计"})


def _verify() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit_verify", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rechain(from_seq: int, scheme: str, key: str | None = None, relabel: bool = False) -> None:
    """What someone with the database and the public source does: recompute every hash from `from_seq`
    on (with the plain public algorithm, or HMAC under the given key) and move the head along."""
    prev = GENESIS if from_seq == 1 else AuditEntry.objects.get(seq=from_seq - 1).hash
    with override_settings(AUDIT_KEY=key or keys.DEV_AUDIT_KEY):
        for row in AuditEntry.objects.filter(seq__gte=from_seq).order_by("seq"):
            digest = _digest(prev, row.seq, row.at.isoformat(), row.actor_id, row.actor, row.action,
                             row.object_type, row.object_id, row.data, scheme=scheme)
            fields = {"prev_hash": prev, "hash": digest}
            if relabel:
                fields["scheme"] = scheme
            AuditEntry.objects.filter(pk=row.pk).update(**fields)
            prev = digest
    last = AuditEntry.objects.order_by("-seq").first()
    AuditHead.objects.filter(id=1).update(seq=last.seq, hash=last.hash)


def test_new_rows_are_hmacs_under_the_audit_key(db, audit_key):
    _entries(3)
    rows = list(AuditEntry.objects.order_by("seq"))
    assert {r.scheme for r in rows} == {keys.SCHEME_HMAC}
    public = _digest(rows[0].prev_hash, rows[0].seq, rows[0].at.isoformat(), rows[0].actor_id, rows[0].actor,
                     rows[0].action, rows[0].object_type, rows[0].object_id, rows[0].data, scheme="sha256")
    assert rows[0].hash != public  # not computable from the public source alone
    out, err = _verify()
    assert "审计链完整" in out and "开发密钥" not in out + err


@pytest.mark.parametrize("how", ["public sha256", "public sha256, relabelled as legacy", "development key",
                                 "development key, relabelled as written without a key"])
def test_a_row_edited_and_rechained_with_the_public_source_fails_audit_verify_when_the_audit_key_is_set(
        db, audit_key, how):
    _entries(8)
    assert audit_verify().ok
    AuditEntry.objects.filter(seq=4).update(data={"i": 3, "note": "改过"})
    if how == "development key":
        rechain(4, keys.SCHEME_HMAC, key=keys.DEV_AUDIT_KEY)
    elif how.startswith("development key"):
        rechain(4, keys.SCHEME_DEV, key=keys.DEV_AUDIT_KEY, relabel=True)
    else:
        rechain(4, keys.SCHEME_LEGACY, relabel=how.endswith("legacy"))
    result = audit_verify()
    assert not result.ok and result.broken_seq == 4
    with pytest.raises(CommandError) as info:
        _verify()
    assert "seq=4" in str(info.value)


def test_the_same_rewrite_passes_without_a_key_and_verify_says_so(db):
    """Without XINFANG_AUDIT_KEY the development key is public: the rewrite goes through, and the
    command says the chain was only checked with the development key."""
    _entries(5)
    AuditEntry.objects.filter(seq=2).update(data={"forged": True})
    rechain(2, keys.SCHEME_HMAC, key=keys.DEV_AUDIT_KEY)
    out, err = _verify()
    assert "审计链完整" in out and "仅用开发密钥校验" in out
    assert "XINFANG_AUDIT_KEY" in err


def test_a_foreign_scheme_is_refused(db, audit_key):
    _entries(3)
    AuditEntry.objects.filter(seq=2).update(scheme="md5")
    with pytest.raises(CommandError, match="seq=2"):
        _verify()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("key_set_before_migrating", [True, False])
def test_rows_chained_before_the_upgrade_still_verify_and_stay_sealed(settings, key_set_before_migrating):
    """Upgrade from plain SHA-256: old rows verify under the old rule, new rows are keyed, and no row can
    later pass itself off as an old one. Key set only after migrating: `audit seal` once, then the same."""
    settings.AUDIT_KEY = AUDIT_KEY if key_set_before_migrating else keys.DEV_AUDIT_KEY
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("audit", "0002_head")])
        old = executor.loader.project_state(("audit", "0002_head")).apps
        Entry, Head = old.get_model("audit", "AuditEntry"), old.get_model("audit", "AuditHead")
        Entry.objects.all().delete()
        from django.utils import timezone

        prev = GENESIS
        for seq in range(1, 6):  # what the previous release wrote
            at = timezone.now()
            digest = _digest(prev, seq, at.isoformat(), None, "", "old.event", "", str(seq), {"n": seq},
                             scheme="sha256")
            Entry.objects.create(seq=seq, at=at, actor="", action="old.event", object_id=str(seq),
                                 data={"n": seq}, prev_hash=prev, hash=digest)
            prev = digest
        Head.objects.update_or_create(id=1, defaults={"seq": 5, "hash": prev})

        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        assert set(AuditEntry.objects.values_list("scheme", flat=True)) == {"sha256"}
        assert AuditHead.objects.get(id=1).legacy_seq == 5
        assert audit_verify().ok
        if not key_set_before_migrating:
            settings.AUDIT_KEY = AUDIT_KEY
            result = audit_verify()
            assert not result.ok and (result.broken_seq, result.reason) == (5, "seal")
            assert "已用审计密钥封存第 1 至 5 条记录" in _seal()
            AuditEntry.objects.filter(action="audit.seal").delete()  # to keep the numbering below
            AuditHead.objects.filter(id=1).update(seq=5, hash=AuditEntry.objects.get(seq=5).hash)

        _entries(4)
        result = audit_verify()
        assert result.ok and result.checked == 9 and result.legacy == 5
        assert "5 条为设置审计密钥之前的旧记录" in _verify()[0]

        # a new row relabelled as old and re-chained with the public algorithm
        AuditEntry.objects.filter(seq=7).update(data={"forged": True})
        rechain(7, keys.SCHEME_LEGACY, relabel=True)
        result = audit_verify()
        assert not result.ok and result.broken_seq == 7 and result.reason == "scheme"

        # an old row edited and the whole chain re-chained as old: the seal no longer matches
        rechain(1, keys.SCHEME_LEGACY, relabel=True)
        AuditEntry.objects.filter(seq=3).update(data={"forged": True})
        rechain(3, keys.SCHEME_LEGACY, relabel=True)
        result = audit_verify()
        assert not result.ok and result.broken_seq == 5 and result.reason == "seal"
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def _seal() -> str:
    out = StringIO()
    call_command("audit_seal", stdout=out)
    return out.getvalue()


def test_rows_written_without_the_key_need_an_explicit_seal(db, settings):
    """Rows written while no key was set (the development key) fail once the key is set, until the operator
    seals them with `xinfang audit seal`; afterwards nothing can pass itself off as such a row."""
    _entries(3)  # no key yet
    assert set(AuditEntry.objects.values_list("scheme", flat=True)) == {keys.SCHEME_DEV}
    assert audit_verify().ok
    settings.AUDIT_KEY = AUDIT_KEY
    result = audit_verify()
    assert not result.ok and (result.broken_seq, result.reason) == (1, "development")
    with pytest.raises(CommandError, match="xinfang audit seal"):
        _verify()
    assert "已用审计密钥封存第 1 至 3 条记录" in _seal()
    assert AuditEntry.objects.filter(action="audit.seal").count() == 1
    _entries(3, start=3)
    result = audit_verify()
    assert result.ok and result.legacy == 3 and result.checked == 7  # 3, the seal, 3
    assert "无需封存" in _seal()

    # a keyed row relabelled as written with the development key, the chain re-computed
    AuditEntry.objects.filter(seq=6).update(data={"forged": True})
    rechain(6, keys.SCHEME_DEV, key=keys.DEV_AUDIT_KEY, relabel=True)
    result = audit_verify()
    assert not result.ok and (result.broken_seq, result.reason) == (6, "development")
    with pytest.raises(CommandError, match="seq=6"):  # and sealing does not bless it
        _seal()
    # even with every row relabelled: the key had sealed the chain before
    rechain(1, keys.SCHEME_DEV, key=keys.DEV_AUDIT_KEY, relabel=True)
    with pytest.raises(CommandError, match="此前已用审计密钥封存"):
        _seal()
    assert not audit_verify().ok


def test_seal_needs_the_key(db):
    _entries(2)
    with pytest.raises(CommandError, match="XINFANG_AUDIT_KEY"):
        _seal()
