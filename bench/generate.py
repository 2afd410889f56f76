"""A fast generator of N invented petitions for benchmarks (not for demos: use `xinfang demo`).

It bypasses the services for speed (`bulk_create` straight into the tables) but fills what the
services would: numbers and their sequences, jurisdiction rows (`PetitionAccess`), petitioners and
their links, stored deadlines and warning levels, and the full-text search index. Titles and
contents are assembled from realistic Chinese sentence patterns about the usual matters
(parking fees, unpaid wages, noise, land compensation, school places, …), with invented names and
places, so the text index sees a realistic vocabulary. The same seed gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

GENERATOR_VERSION = 1

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "建华", "建国", "志强", "玉兰", "海燕", "春梅", "德胜", "国庆", "红梅", "小明",
         "文博", "子涵", "雨轩", "浩然", "淑珍", "凤英", "永福", "金花", "三", "四", "五", "建军", "卫东", "丽华"]
ESTATES = ["幸福小区", "阳光花园", "锦绣家园", "翠湖苑", "金色港湾", "和谐新村", "东方明珠苑", "书香门第", "滨江花园",
           "紫荆城", "丽景湾", "碧水蓝天", "怡景苑", "龙湖花园", "康居小区", "春晓苑", "天鹅湖小区", "盛世华庭"]
VILLAGES = ["桃园村", "石桥村", "河口村", "柳树村", "杏花村", "黄土岗村", "李家湾村", "新民村", "红旗村", "五里铺村"]
STREETS = ["人民路", "解放大道", "建设路", "胜利街", "中山路", "滨河路", "文化路", "新华路", "青年大街", "和平路"]
COMPANIES = ["宏达建筑公司", "鑫源物业公司", "恒通劳务公司", "华盛置业", "永安物业", "顺发运输公司", "金鼎房地产公司",
             "天宇装饰公司", "利民食品厂", "嘉禾养殖场", "兴隆商贸公司", "明珠酒店"]
OFFICES = ["街道办", "社区居委会", "村委会", "住建局", "人社局", "城管局", "派出所", "镇政府", "教育局", "卫健局",
           "自然资源局", "市场监管局", "生态环境分局", "医保局", "民政局"]

# (category code, title patterns, content sentences, demands)
TOPICS = [
    ("010101", ["{estate}物业违规收取停车费", "{estate}停车位被外来车辆长期占用", "反映{estate}物业服务质量差",
                "{estate}物业擅自上调物业费"],
     ["{estate}物业公司自{month}起违规收取地面停车费，每月{money}元。", "小区停车位严重不足，消防通道经常被占用。",
      "物业公司擅自将公共绿地改建为收费停车位，业主多次反映无果。", "物业费上涨未经业主大会表决，业主不满。",
      "小区电梯多次故障困人，物业维修不及时。"],
     "请求责令物业公司退还违规收取的停车费，规范收费行为。"),
    ("020101", ["{company}拖欠农民工工资", "讨要被拖欠的工资{money}元", "反映包工头{name}拖欠工资问题"],
     ["我们{count}人在{company}承建的{estate}项目工地务工，包工头{name}拖欠工资共计{money}元。",
      "多次找到项目部和{company}，对方互相推诿。", "春节将至，家中老人看病急需用钱。",
      "劳动监察大队曾经协调过一次，但至今未兑现。"],
     "请求督促{company}尽快支付拖欠的工资。"),
    ("010204", ["{estate}旁工地夜间施工噪音扰民", "{street}烧烤店油烟噪音扰民", "反映广场舞音响噪音过大"],
     ["{estate}旁边的工地每天晚上施工到凌晨，噪音很大，严重影响居民休息。", "{street}沿街烧烤店油烟直排，夜间喧哗。",
      "向{office}投诉多次，只是临时停工，过几天又继续。", "家里有高考学生和老人，身体吃不消。"],
     "请求依法查处夜间违规施工，还居民安静的生活环境。"),
    ("040101", ["{village}征地补偿款未足额发放", "反映{village}土地征收补偿标准过低", "{village}村民征地补偿分配不公"],
     ["{year}年{village}部分集体土地被征收用于{street}拓宽工程，补偿款至今未足额发放。",
      "村委会公布的补偿分配方案没有经过村民代表大会讨论。", "每亩补偿标准低于周边乡镇，村民意见很大。",
      "部分村民的青苗补偿和地上附着物补偿没有兑现。"],
     "请求公开征地补偿标准和分配方案，足额发放补偿款。"),
    ("060101", ["孩子入学被{school}拒收", "反映{estate}学区划分不合理", "外来务工人员子女入学难"],
     ["我家孩子今年适龄入学，户籍和房产都在{estate}，却被告知学位已满。", "学区划分每年变化，家长无所适从。",
      "随迁子女入学需要提供的证明材料过多，来回奔波多次仍未办成。", "{office}答复需要等待统筹安排。"],
     "请求教育部门依法保障孩子就近入学的权利。"),
    ("020202", ["医保报销比例与政策不符", "异地就医医保报销难", "反映医保个人账户被冒用"],
     ["我母亲{name}在市人民医院住院治疗，花费{money}元，医保报销比例远低于政策规定。",
      "异地就医备案手续复杂，线上办理多次失败。", "医保经办窗口工作人员态度生硬，一次性告知不到位。"],
     "请求核实医保报销金额，按政策予以报销。"),
    ("070101", ["申请最低生活保障未获批准", "反映{village}低保评定不公", "残疾人补贴停发问题"],
     ["我家{count}口人，丈夫因病丧失劳动能力，申请低保被{office}驳回。", "村里部分条件较好的家庭享受低保，评定过程不公开。",
      "残疾人两项补贴从{month}起停发，没有任何通知。"],
     "请求重新审核低保申请，公开评定结果。"),
    ("010203", ["{estate}有人私搭乱建", "反映{street}违法建设长期未拆除", "楼顶违章建筑存在安全隐患"],
     ["{estate}一楼住户私自扩建院墙，占用公共通道。", "顶楼业主在楼顶加盖彩钢房，存在安全隐患，城管多次处理未果。",
      "{street}沿街商铺违规搭建雨棚，影响行人通行。"],
     "请求城管部门依法拆除违法建设。"),
    ("130101", ["{company}排放污水污染河道", "反映{village}附近养殖场臭味扰民", "{street}工厂夜间偷排废气"],
     ["{company}长期向河道排放未经处理的污水，河水发黑发臭，鱼虾死亡。", "养殖场离村民住宅不到一百米，气味难闻，苍蝇成群。",
      "工厂晚上偷偷排放废气，周边居民经常闻到刺鼻气味。"],
     "请求环保部门现场检查，依法查处环境违法行为。"),
    ("010103", ["{estate}房屋交付后墙体开裂漏水", "{company}逾期交房", "商品房迟迟办不了不动产证"],
     ["购买的{estate}商品房交付后不到一年，墙体多处开裂，卫生间漏水。", "{company}承诺{year}年交房，至今已逾期两年。",
      "交房已经三年，开发商一直未办理不动产权证书。"],
     "请求督促开发商履行合同义务，维护购房者合法权益。"),
    ("020201", ["养老金发放标准有误", "企业退休人员养老金未按时调整", "反映养老保险补缴问题"],
     ["我于{year}年退休，养老金计算时缴费年限少算了{count}年。", "今年养老金调整后，我的待遇没有变化。",
      "当年单位未给我缴纳养老保险，现在要求补缴被拒。"],
     "请求社保部门核实缴费记录，重新核定养老金。"),
    ("100101", ["{street}公交线路调整后出行不便", "反映{village}道路损毁无人维修", "出租车拒载绕路"],
     ["{street}的公交线路调整后，附近居民出行需要步行两公里。", "{village}通村道路多处坑洼，雨天无法通行。",
      "多次向{office}反映，答复说正在规划。"],
     "请求恢复原公交线路或增设站点。"),
]
GENERIC = ["多次向有关部门反映，至今未得到解决。", "希望政府相关部门高度重视，尽快调查处理。",
           "以上情况属实，有相关证据材料可以提供。", "此事已经持续很久，群众意见很大。",
           "如果得不到解决，我们将继续向上级反映。", "恳请领导关注此事，为我们做主。"]
SCHOOLS = ["第一实验小学", "城关中学", "育才小学", "青山镇中心小学"]

STATUS_MIX = [("registered", 8), ("routed", 10), ("accepted", 6), ("in_handling", 20), ("reply_pending", 3),
              ("replied", 18), ("closed", 25), ("archived", 4), ("rejected", 3), ("diverted", 2), ("final", 1)]
CHANNEL_MIX = [("letter", 15), ("visit", 25), ("phone", 10), ("online", 30), ("hotline", 15), ("email", 3), ("fax", 2)]
OPEN = {"registered", "routed", "accepted", "in_handling", "reply_pending", "replied"}


def _weighted(rng: random.Random, mix):
    values, weights = zip(*mix, strict=True)
    return rng.choices(values, weights)[0]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _fill(rng: random.Random, text: str) -> str:
    return text.format(
        estate=rng.choice(ESTATES), village=rng.choice(VILLAGES), street=rng.choice(STREETS),
        company=rng.choice(COMPANIES), office=rng.choice(OFFICES), name=_name(rng), school=rng.choice(SCHOOLS),
        money=rng.choice([3200, 8600, 12000, 26500, 48000, 150000, 300]), count=rng.randint(2, 30),
        month=f"{rng.randint(1, 12)}月", year=rng.randint(2015, 2025))


def petition_text(rng: random.Random) -> tuple[str, str, str, str]:
    """(category code, title, content, demands): 100–400 characters of plausible petition text."""
    code, titles, sentences, demands = rng.choice(TOPICS)
    title = _fill(rng, rng.choice(titles))
    opener = rng.choice(["我是", "本人", "我们是"]) + rng.choice(["本区居民", "", f"{rng.choice(VILLAGES)}村民", "业主代表"])
    parts = [f"{opener}{_name(rng)}，" if rng.random() < 0.6 else ""]
    parts += [_fill(rng, s) for s in rng.sample(sentences, k=min(len(sentences), rng.randint(2, 4)))]
    parts += rng.sample(GENERIC, k=rng.randint(1, 3))
    if rng.random() < 0.3:
        parts.append(f"联系电话：1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}。")
    return code, title, "".join(parts), _fill(rng, demands)


def generate(n: int, *, seed: int = 20260101, batch: int = 5000, log=print) -> dict:
    """Add `n` petitions to an empty petitions table (after migrations); returns timings."""
    from xinfang.org.demo import build_demo_org
    from xinfang.petitions import search
    from xinfang.petitions.models import (
        Category,
        NumberSequence,
        Petition,
        PetitionAccess,
        Petitioner,
        PetitionPetitioner,
    )
    from xinfang.workflow.seed import seed_reference_data

    started = time.perf_counter()
    rng = random.Random(seed)
    seed_reference_data()
    org = build_demo_org()
    units = org.units
    receivers = [(units["DH-XF"], 45), (units["XS-XF"], 45), (units["SF-XF"], 10)]
    departments = {p: [u for code, u in units.items() if code.startswith(p + "-") and code != f"{p}-XF"]
                   for p in ("DH", "XS")}
    clerks = {units["DH-XF"].pk: org.users["demo_clerk"], units["XS-XF"].pk: org.users["demo_clerk2"],
              units["SF-XF"].pk: org.users["demo_city_dispatcher"]}
    regions = {"DH": [r for c, r in org.regions.items() if c.startswith("990102") and len(c) > 6],
               "XS": [r for c, r in org.regions.items() if c.startswith("990103") and len(c) > 6]}
    categories = {c.code: c for c in Category.objects.all()}
    now = timezone.now()
    seqs: dict[tuple[int, int], int] = defaultdict(int)
    t_rows = t_index = 0.0
    made = 0
    while made < n:
        size = min(batch, n - made)
        t0 = time.perf_counter()
        petitions, texts, meta = [], [], []
        for _ in range(size):
            unit = _weighted(rng, receivers)
            district = rng.choice(["DH", "XS"]) if unit.code == "SF-XF" else unit.code[:2]
            received = now - dt.timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60))
            local = timezone.localtime(received)
            seqs[(unit.pk, local.year)] += 1
            seq = seqs[(unit.pk, local.year)]
            code, title, content, demands = petition_text(rng)
            status = _weighted(rng, STATUS_MIX)
            handling = rng.choice(departments[district]) if status != "registered" else None
            headcount = rng.choices([1, 2, 3, 6, 12, 40], [80, 8, 4, 4, 3, 1])[0]
            due_on = (local + dt.timedelta(days=rng.choice([15, 60, 90]))).date() if status in OPEN else None
            warning = "normal"
            if due_on is not None:
                left = (due_on - now.date()).days
                warning = "overdue" if left < 0 else rng.choice(["normal", "normal", "notice", "warning", "severe"])
            anonymous = rng.random() < 0.03
            petitions.append(Petition(
                number=f"{unit.code}-{local.year}-{seq:06d}", year=local.year, seq=seq,
                channel=_weighted(rng, CHANNEL_MIX), received_at=received, receiving_unit=unit,
                clerk=clerks[unit.pk], title=title, content=content, demands=demands, category=categories.get(code),
                nature=rng.choices(["appeal", "suggestion", "accusation"], [80, 12, 8])[0],
                problem_region=rng.choice(regions[district]), is_escalated=rng.random() < 0.05,
                headcount=headcount, visit_kind="individual" if headcount == 1 else ("group" if headcount < 5 else "collective"),
                is_litigation=rng.random() < 0.04, is_urgent=rng.random() < 0.06, is_anonymous=anonymous,
                status=status, handling_unit=handling, query_code_hash="bench",
                due_kind="handle" if due_on else "", due_start=local.date() if due_on else None, due_on=due_on,
                warning_level=warning, accepted_at=received if status not in ("registered", "routed") else None))
            texts.append((title, content, demands))
            meta.append((unit, handling, anonymous))
        with transaction.atomic():
            Petition.objects.bulk_create(petitions, batch_size=1000)
            access = []
            people = []
            for p, (unit, handling, anonymous) in zip(petitions, meta, strict=True):
                access.append(PetitionAccess(petition_id=p.pk, unit_id=unit.pk, reason="register"))
                if handling is not None:
                    access.append(PetitionAccess(petition_id=p.pk, unit_id=handling.pk, reason="route"))
                if not anonymous:
                    people.append((p, Petitioner(name=_name(rng))))
            PetitionAccess.objects.bulk_create(access, batch_size=2000)
            Petitioner.objects.bulk_create([pp for _p, pp in people], batch_size=2000)
            PetitionPetitioner.objects.bulk_create(
                [PetitionPetitioner(petition_id=p.pk, petitioner_id=pp.pk, position=0) for p, pp in people],
                batch_size=2000)
            t1 = time.perf_counter()
            search.index_documents(
                [(p.pk, *text) for p, text in zip(petitions, texts, strict=True)])
            t2 = time.perf_counter()
        t_rows += t1 - t0
        t_index += t2 - t1
        made += size
        log(f"  generated {made}/{n} petitions ({time.perf_counter() - started:.0f}s)")
    with transaction.atomic():
        for (unit_id, year), last in seqs.items():
            NumberSequence.objects.update_or_create(unit_id=unit_id, year=year, defaults={"last": last})
    t3 = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"INSERT INTO {search.TABLE}({search.TABLE}) VALUES ('optimize')")
            cur.execute("ANALYZE")
        else:
            cur.execute("ANALYZE")
    t_optimize = time.perf_counter() - t3
    return {"generator_version": GENERATOR_VERSION, "seed": seed, "rows_s": round(t_rows, 1),
            "index_s": round(t_index, 1), "optimize_s": round(t_optimize, 1),
            "total_s": round(time.perf_counter() - started, 1)}
