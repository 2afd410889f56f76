"""`xinfang open311 key create NAME --unit CODE` (prints the key once), `key list`, `key revoke ID`."""

from django.core.management.base import BaseCommand, CommandError

from xinfang.common.errors import ApplicationError

from ...models import ApiKey
from ...services import api_key_create, api_key_revoke


class Command(BaseCommand):
    help = "Manage the API keys of Open311 GeoReport v2 (civic apps that POST requests)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        key = sub.add_parser("key", help="API keys")
        ops = key.add_subparsers(dest="op", required=True)
        create = ops.add_parser("create", help="create a key and print it (shown once)")
        create.add_argument("name")
        create.add_argument("--unit", required=True, help="code of the unit that registers the requests")
        ops.add_parser("list", help="list the keys")
        revoke = ops.add_parser("revoke", help="revoke a key by its id or prefix")
        revoke.add_argument("key")

    def handle(self, *args, **opts):
        op = opts["op"]
        try:
            if op == "create":
                row, key = api_key_create(name=opts["name"], unit_code=opts["unit"])
                self.stdout.write(key)
                self.stderr.write(f"key {row.pk} '{row.name}' registers at {row.unit.code}; it is shown only now")
            elif op == "list":
                for row in ApiKey.objects.select_related("unit").order_by("pk"):
                    state = "revoked" if row.revoked else "live"
                    used = row.last_used_at.isoformat() if row.last_used_at else "-"
                    self.stdout.write(f"{row.pk}\t{row.prefix}…\t{row.name}\t{row.unit.code}\t{state}\t{used}")
            else:
                ref = opts["key"].strip()
                rows = ApiKey.objects.filter(pk=int(ref)) if ref.isdigit() else ApiKey.objects.filter(
                    prefix=ref.rstrip("…")[:10]) if len(ref) >= 6 else ApiKey.objects.none()
                if rows.count() != 1:
                    raise CommandError("no single key matches")
                row = api_key_revoke(key_id=rows.get().pk)
                self.stdout.write(f"revoked {row.pk} {row.prefix}…")
        except ApplicationError as e:
            raise CommandError(e.message) from None
