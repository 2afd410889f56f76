"""Seed the knowledge base with a handful of real regulations, each summarised briefly in our own
words (no legal text is reproduced): a starting point that a deployment edits or extends."""

from django.db import migrations

# (title, source, category code or "", summary)
POLICIES = [
    ("《信访工作条例》总体要求", "中共中央、国务院印发，2022年5月1日起施行", "",
     "条例把信访工作作为党的群众工作的重要组成部分。要点：坚持以人民为中心，畅通群众诉求表达渠道；"
     "属地管理、分级负责，谁主管、谁负责；依法、及时、就地解决问题与疏导教育相结合；"
     "注重从源头预防和化解矛盾纠纷。"),
    ("信访事项的登记、转送与交办", "《信访工作条例》第二十二条、第二十三条", "",
     "信访部门收到信访事项应当登记，并在15日内区分情况转送、交办有权处理的机关或告知信访人。"
     "其他机关、单位直接收到信访事项的，能当场告知的当场书面告知，否则在15日内书面告知受理情况或去向。"
     "收到转送、交办件后认为不属于本单位职权范围的，应在5个工作日内提出异议并说明理由。"),
    ("办理信访事项的回避", "《信访工作条例》第二十八条", "",
     "办理信访事项应当查明事实、分清责任、秉公办理。工作人员与信访事项或信访人有直接利害关系的，应当回避。"),
    ("检举控告材料的保密", "《信访工作条例》第三十条", "16",
     "检举控告类事项由纪检监察机关或有权处理的机关依规依纪依法办理。"
     "任何单位和个人不得把检举、揭发材料及有关情况透露或转给被检举、揭发的人员或单位。"),
    ("信访事项的办理期限与延期", "《信访工作条例》第三十四条", "",
     "申诉求决类事项一般应自受理之日起60日内办结；情况复杂的，经本机关负责人批准可以适当延长，"
     "延长不超过30日，并应告知信访人延期理由。"),
    ("复查与复核", "《信访工作条例》第三十五条、第三十六条", "",
     "信访人对处理意见不服的，可在收到书面答复后30日内请求上一级机关复查，复查机关30日内答复；"
     "对复查意见不服的，可在30日内再向上一级请求复核，复核机关30日内答复，举行听证的时间不计入期限。"
     "复核后仍以同一事实和理由提出的，不再受理。"),
    ("期间的计算", "《中华人民共和国民法典》第二百零一条、第二百零三条", "",
     "按日计算期间的，开始的当天不算，从第二天起算；期间最后一天是法定休假日的，顺延到休假日结束后的第一天。"
     "系统计算各类办理时限时采用这一规则。"),
    ("涉法涉诉信访事项依法处理（诉访分离）", "中共中央办公厅、国务院办公厅《关于依法处理涉法涉诉信访问题的意见》", "08",
     "应当通过诉讼、仲裁、行政复议等法定途径解决的事项，引导信访人向政法机关依法提出，"
     "由政法机关依照法律程序处理，信访部门不作为信访事项受理。"),
    ("人民调解协议的效力", "《中华人民共和国人民调解法》第三十一条、第三十三条", "",
     "经人民调解委员会调解达成的调解协议具有法律约束力，当事人应当履行。"
     "双方当事人可以在协议生效后30日内共同向人民法院申请司法确认。"),
    ("农民工工资支付保障", "《保障农民工工资支付条例》（国务院令第724号）", "02",
     "工资应当以货币形式按时足额支付给农民工本人。工程建设领域推行农民工工资专用账户、"
     "施工总承包单位代发工资、工资保证金等制度；人力资源社会保障部门负责组织协调和监督检查。"),
    ("物业服务与业主权益", "《物业管理条例》（国务院令第379号）", "010101",
     "业主通过业主大会、业主委员会共同决定物业管理事项；物业服务企业应按物业服务合同约定提供服务、"
     "收取费用。对物业服务中的违法违约行为，业主可以向物业管理主管部门反映。"),
]


def seed(apps, schema_editor):
    Article = apps.get_model("knowledge", "Article")
    Category = apps.get_model("petitions", "Category")
    for title, source, code, body in POLICIES:
        if Article.objects.filter(kind="policy", title=title).exists():
            continue
        category = Category.objects.filter(code=code).first() if code else None
        Article.objects.create(kind="policy", title=title, body=body, source=source, category=category,
                               is_published=True)


def unseed(apps, schema_editor):
    Article = apps.get_model("knowledge", "Article")
    Article.objects.filter(kind="policy", created_by__isnull=True, title__in=[p[0] for p in POLICIES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_initial"),
        ("petitions", "0002_seed_categories"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
