"""待办 lists export to xlsx: Chinese headers, only the user's queue, petitioners masked, audited."""

import io

import pytest
from intake_helpers import logged_in
from openpyxl import load_workbook

from xinfang.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_queue_exports_to_xlsx(org, register, users):
    mine, _ = register(title='=HYPERLINK("http://x")停车收费')
    register(actor=users["demo_clerk2"], title="西山区的事项", problem_region="990103001")
    client = logged_in(users["demo_dispatcher"])
    page = client.get("/queue/route/")
    assert page.status_code == 200 and "export=xlsx" in page.content.decode()
    response = client.get("/queue/route/?export=xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert "编号" in header[0] or "编号" in "".join(str(h) for h in header)
    values = [str(c.value) for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]
    text = " ".join(values)
    assert mine.number in text and "西山区的事项" not in text
    assert "张三" not in text  # masked
    assert not any(v.startswith("=") for v in values)  # formulas neutralised
    assert AuditEntry.objects.filter(action="petition.export", actor="demo_dispatcher").exists()


def test_unknown_queue_export_is_404(org, users):
    client = logged_in(users["demo_dispatcher"])
    assert client.get("/queue/nope/?export=xlsx").status_code == 404
