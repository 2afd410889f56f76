"""Shared by the security tests: the demo accounts, the hidden accuser, the World of objects a URL can
name, and reading any answer (HTML, JSON, PDF, xlsx/docx) as text."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field

# ---- the accusation and its accuser --------------------------------------------------------------

ACCUSER_ID = "11010519491231002X"  # valid GB 11643 (invented)
ACCUSER_NAME = "欧阳明远"
ACCUSER_PHONE = "13900139000"
# whatever identifies the accuser, in the forms it was typed; none may reach a user outside the chain
ACCUSER_CLEAR = (ACCUSER_ID, ACCUSER_NAME, ACCUSER_PHONE, "139-0013-9000")

# Every demo account (DESIGN §1 roles): district 1 (东湖区), district 2 (西山区, suffix 2), the city.
DISTRICT_ROLES = ["clerk", "dispatcher", "dept_dispatcher", "handler", "leader", "reviewer", "supervisor",
                  "analyst", "informant", "admin"]
DISTRICT1 = [f"demo_{r}" for r in DISTRICT_ROLES]
DISTRICT2 = [f"demo_{r}2" for r in DISTRICT_ROLES]
CITY = ["demo_city_leader", "demo_city_dispatcher"]
ACCOUNTS = DISTRICT1 + DISTRICT2 + CITY


@dataclass
class World:
    """One of everything, in district 1 unless named otherwise."""

    org: object
    petition: object  # the accusation: assigned to 住建局, accepted, a reply drafted, notices issued
    petitioner: object  # its accuser
    document: object  # an issued notice of the accusation
    attachment: object
    ownership: object
    saved_filter: object  # demo_clerk's
    import_job: object  # demo_clerk's
    article: object  # a knowledge article (a policy)
    unit: object  # 东湖区住房和城乡建设局
    user: object  # demo_handler
    membership: object  # demo_handler's
    category: object
    policy: object  # a deadline policy
    rule: object  # a routing rule of district 1
    closed: object  # an ordinary petition, closed (its dossier)
    other: dict = field(default_factory=dict)

    def hidden_from(self, username: str) -> bool:
        """True when `username` is outside the accusation's handling chain (by the code's own rule,
        checked against DESIGN §5 in test_authz_matrix)."""
        from django.contrib.auth import get_user_model

        from xinfang.petitions.selectors import accuser_hidden

        user = get_user_model().objects.get(username=username)
        return accuser_hidden(user, self.petition)


MINI_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


# ---- reading any answer as text --------------------------------------------------------------------

def body_text(content: bytes, content_type: str) -> str:
    """What a person (or a program) can read in an answer: HTML/JSON (JSON unescaped), the text of a
    PDF (pdftotext), the XML of an xlsx/docx."""
    ct = (content_type or "").split(";")[0].strip()
    if ct == "application/pdf" or content[:5] == b"%PDF-":
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(content)
            f.flush()
            out = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, timeout=120)
        return out.stdout.decode("utf-8", "replace")
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                           if n.endswith((".xml", ".rels")))
    text = content.decode("utf-8", "replace")
    if ct == "application/json":
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


def response_bytes(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
