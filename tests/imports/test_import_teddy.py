"""`xinfang import petitions` on message-board exports (the 2020 泰迪杯 files): recognised columns,
the system account, the top petition office, the online channel, category labels by name, tidied
texts, --limit and --skip-existing; the real files when they are present."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from xinfang.imports.account import IMPORT_ACCOUNT
from xinfang.imports.cells import tidy_text
from xinfang.insight.similarity.models import Signature
from xinfang.org.models import Membership
from xinfang.org.selectors import top_petition_office
from xinfang.petitions.models import Petition

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "teddy2020"
HEADERS = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级标签"]
JUNK = "\n\t\t\t\t\t\n\t\t\t\t\t"


def rows() -> list[list[str]]:
    return [
        ["3742", "A00013884", "A3区杜鹃文苑小区外的非法汽车检测站要开业了！", "2018/12/26 10:13:37",
         JUNK + "A市政府：\u3000\u3000我们是杜鹃文苑小区的业主。\n\t\t\t\t\t\u00a0检测站正在装修。\n\t\t\t\t", "城乡建设"],
        ["3743", "U0008473", "A市某医院乱收费", "2019-01-08 10:58:44", JUNK + "门诊开了很多药，不能报销。", "卫生计生"],
        ["3744", "A909171", "小区旁工厂排放废气", "2019/1/8 9:05:00", "工厂夜间排放刺鼻废气。", "环境保护"],
        ["3745", "A909172", "不知所属的留言", "2019/1/9 9:05:00", "内容。", "星际事务"],
    ]


def write_csv(path: Path, data: list[list[str]], headers=HEADERS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(data)
    return path


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_petitions", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_tidy_text_keeps_paragraphs_and_drops_junk():
    assert tidy_text(JUNK + "甲\u3000\u3000乙\u00a0 丙\r\n\t\r\n丁\t\t") == "甲 乙 丙\n丁"
    assert tidy_text("") == "" and tidy_text(" \t\u3000") == ""


def test_a_message_board_file_loads_without_a_user_or_options(users, tmp_path):
    path = write_csv(tmp_path / "messages.csv", rows())
    out, _err = run(path, "--category-by-name")
    assert "导入成功：共导入4件信访件" in out, out
    assert "信访形式：网上信访（留言板文件）" in out and "登记人：import" in out
    assert "星际事务（1行）" in out  # the label no category has: reported, the row left unclassified
    by_ext = {p.external_id: p for p in Petition.objects.select_related("category", "receiving_unit")}
    assert set(by_ext) == {"3742", "3743", "3744", "3745"}
    first = by_ext["3742"]
    assert first.title == "A3区杜鹃文苑小区外的非法汽车检测站要开业了!"  # titles are NFKC-normalised
    assert first.content == "A市政府： 我们是杜鹃文苑小区的业主。\n检测站正在装修。"
    assert first.channel == "online"
    assert first.petitioners.get().name == "A00013884"
    assert first.received_at.isoformat() == "2018-12-26T02:13:37+00:00"  # Shanghai time
    assert by_ext["3743"].received_at.isoformat() == "2019-01-08T02:58:44+00:00"
    assert first.category.name == "城乡建设"
    assert by_ext["3743"].category.name == "卫生健康"
    assert by_ext["3744"].category.name == "环境保护/生态环境"
    assert by_ext["3745"].category is None
    # the top petition office of the demo, through the system account (clerk there, no password)
    unit = first.receiving_unit
    assert {p.receiving_unit_id for p in by_ext.values()} == {unit.pk}
    assert unit == top_petition_office() and unit.kind == "petition_office"
    account = Membership.objects.select_related("user").get(user__username=IMPORT_ACCOUNT).user
    assert not account.has_usable_password()
    assert Membership.objects.filter(user=account, unit=unit, role="clerk").exists()
    # registered through save(): the repeat index knows them without a backfill
    assert Signature.objects.filter(petition__in=by_ext.values()).count() == 4


def test_strict_category_lookup_knows_synonyms_but_refuses_unknown_labels(users, tmp_path):
    path = write_csv(tmp_path / "messages.csv", rows())
    with pytest.raises(CommandError, match="共1处错误"):
        run(path)
    assert Petition.objects.count() == 0
    path = write_csv(tmp_path / "known.csv", rows()[:3])
    run(path)
    assert sorted(Petition.objects.values_list("category__name", flat=True)) == [
        "卫生健康", "城乡建设", "环境保护/生态环境"]


def test_unit_limit_skip_existing_and_user(users, tmp_path):
    path = write_csv(tmp_path / "messages.csv", rows())
    out, _ = run(path, "--category-by-name", "--limit", "2", "--unit", "DH-XF")
    assert "只导入前2行" in out
    assert list(Petition.objects.values_list("external_id", "receiving_unit__code").order_by("external_id")) == [
        ("3742", "DH-XF"), ("3743", "DH-XF")]
    err = io.StringIO()
    with pytest.raises(CommandError, match="共2处错误"):
        call_command("import_petitions", str(path), "--category-by-name", "--unit", "DH-XF", stdout=io.StringIO(),
                     stderr=err)
    assert "原编号“3742”已导入过" in err.getvalue()
    out, _ = run(path, "--category-by-name", "--unit", "DH-XF", "--skip-existing")
    assert "跳过2行" in out and "共导入2件" in out
    assert Petition.objects.count() == 4
    # a named user registers as before; bad options get a clear message and change nothing
    other = write_csv(tmp_path / "other.csv", [["9001", "A1", "主题", "2019/3/1 8:00:00", "内容", "城乡建设"]])
    run(other, "--user", "demo_clerk")
    assert Petition.objects.get(external_id="9001").clerk.username == "demo_clerk"
    with pytest.raises(CommandError, match="单位不存在或已停用：NOPE"):
        run(other, "--unit", "NOPE")
    with pytest.raises(CommandError, match="--limit 应为正整数"):
        run(other, "--limit", "0")
    assert Petition.objects.count() == 5


def test_column_options_map_other_headers(users, tmp_path):
    path = write_csv(tmp_path / "board.csv", [["x1", "u1", "标题一", "2019/3/1 8:00:00", "正文\u3000一", "城乡建设"]],
                     headers=["id", "user", "subject", "at", "body", "label"])
    run(path, "--column", "external_id=id", "--column", "petitioner_name=user", "--column", "title=subject",
        "--column", "received_at=at", "--column", "content=body", "--column", "category=label",
        "--category-by-name", "--channel", "online")
    p = Petition.objects.get()
    assert (p.external_id, p.title, p.content, p.category.name) == ("x1", "标题一", "正文 一", "城乡建设")


@pytest.mark.parametrize("name", ["messages_labelled.csv", "hot_issue_messages.csv"])
def test_the_real_files(users, name):
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"evaluation data absent: {path}")
    out, _ = run(path, "--category-by-name", "--limit", "300")
    assert "导入成功：共导入300件信访件" in out, out
    with open(path, encoding="utf-8-sig", newline="") as fh:
        first = next(csv.DictReader(fh))
    p = Petition.objects.get(external_id=first["留言编号"])
    assert p.petitioners.get().name == first["留言用户"] and p.channel == "online"
    assert p.content == tidy_text(first["留言详情"]) and not p.content.startswith(("\t", "\n", " "))
    assert "\u3000" not in p.content and "\u00a0" not in p.content
    if name == "messages_labelled.csv":
        assert Petition.objects.filter(category__isnull=False).count() == 300  # every label of the file maps


def test_support_of_a_hot_issue_file_is_stored_after_the_import(users, tmp_path):
    """The hot-issue export carries 点赞数/反对数: the import says how to store them, and
    `insight.hotspots.support_command` (the `xinfang insight support --csv FILE` sub-command) does."""
    from xinfang.common.errors import ApplicationError
    from xinfang.insight.hotspots import support_command
    from xinfang.insight.hotspots.models import PetitionSupport

    headers = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数"]
    path = write_csv(tmp_path / "hot.csv", [
        ["360100", "A324156", "魅力之城小区临街门面油烟直排扰民", "2019-09-05 12:29:01", JUNK + "油烟直排。", "3", "12"],
        ["360101", "A324157", "A5区劳动东路魅力之城小区油烟扰民", "2019/7/28 12:49:18", "油烟扰民。", "0", "0"]],
        headers=headers)
    out, _ = run(path)
    assert "共导入2件" in out and f"xinfang insight support --csv {path}" in out
    stdout = io.StringIO()
    assert support_command.run({"csv": str(path)}, stdout) == 2
    assert "已记录2件" in stdout.getvalue()
    assert PetitionSupport.objects.get(petition__external_id="360100").likes == 12
    assert PetitionSupport.objects.get(petition__external_id="360100").dislikes == 3
    with pytest.raises(ApplicationError):
        support_command.run({"csv": str(tmp_path / "absent.csv")}, io.StringIO())
