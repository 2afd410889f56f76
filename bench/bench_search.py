"""Search: the 查询 page and the list page under load, and the text index against a table scan.

Measured in-process with Django's test client (server time: middleware, queries, templates, no
network), as the district-1 clerk (东湖区信访局: about half of the stored petitions are in scope):

- GET /search/?q=<2-character word> and GET / (the workbench list), p50/p95 over `repeats` requests;
- the search selector alone (what the page needs: `petitions_search_ordered` + `petitions_page`,
  the first page newest first and the count up to `selectors.COUNT_CAP`) for a two-character word,
  a name, a four-character phrase, a single character, two words and a word that is absent, and, as
  BASELINES in the same run, the raw text-index query (every matching id, unscoped: what the
  index itself costs) and the same query as a plain LIKE '%…%' scan over title, content and
  demands, so the ratios can be quoted;
- the earlier shape of the selector (exact count of every match + first page) for the common word;
- that the plan of the search query uses the index (FTS5 virtual table / GIN index);
- the xlsx export of the page's query (masked, formula-safe, write-only workbook);
- the cost of indexing one petition (what registration adds).
"""

from __future__ import annotations

import urllib.parse

from . import Context, Result, run_entry, summary, timed

QUERIES = [
    ("2-char word", "停车"),
    ("name", "张伟"),
    ("4-char phrase", "拖欠工资"),
    ("1 character", "噪"),
    ("2 words", "小区 停车"),
    ("absent word", "紫藤"),
]
PAGE_QUERY = "停车"


def _plan_uses_index(qs) -> tuple[bool, str]:
    from django.db import connection

    from xinfang.petitions import search

    plan = qs.explain()
    if connection.vendor == "sqlite":
        return f"{search.TABLE} VIRTUAL TABLE" in plan, plan
    return search.GIN_INDEX in plan, plan


def run(ctx: Context) -> Result:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Q
    from django.test import Client

    from xinfang.petitions import search
    from xinfang.petitions.filters import PetitionFilter, petitions_search, petitions_search_ordered
    from xinfang.petitions.models import Petition
    from xinfang.petitions.search import index_documents
    from xinfang.petitions.selectors import COUNT_CAP, petitions_page, petitions_visible

    User = get_user_model()
    username = "demo_clerk"
    user = User.objects.get(username=username)

    def fresh_user():
        return User.objects.get(pk=user.pk)  # per-request caches start empty, as in a request

    data: dict = {"user": username, "in_scope": petitions_visible(fresh_user()).count(), "selector": {}}
    table: list[tuple[str, str]] = [("petitions stored / in the clerk's scope", f"{ctx.n} / {data['in_scope']}")]

    # -- the selector against the LIKE baseline --------------------------------------------------
    def raw_index(q):
        terms = search.query_terms(q)
        with connection.cursor() as cur:
            if connection.vendor == "sqlite":
                cur.execute(f"SELECT rowid FROM {search.TABLE} WHERE {search.TABLE} MATCH %s", [search.fts5_query(terms)])
            else:
                cur.execute(f"SELECT petition_id FROM {search.TABLE} WHERE doc @@ CAST(%s AS tsquery)",
                            [search.pg_tsquery(terms)])
            return len(cur.fetchall())

    for label, q in QUERIES:
        def indexed(q=q):  # what the page reads: the first page newest first, the count up to the cap
            u, flt = fresh_user(), PetitionFilter(q=q)
            page = petitions_page(u, petitions_search_ordered(u, flt), count_qs=petitions_search(u, flt), q=q)
            return (f">{page.count}" if page.count_more else page.count), [p.pk for p in page]

        def scan(q=q):
            u = fresh_user()
            qs = petitions_visible(u)
            text = Q()
            for word in q.split():  # several words: all of them
                text &= Q(title__contains=word) | Q(content__contains=word) | Q(demands__contains=word)
            # a query that is exactly a petitioner's name also finds their petitions (search.name_q)
            named = search.name_q(q, u)
            qs = qs.filter(text | named if named is not None else text)
            qs = qs.order_by("-received_at", "-id")
            return qs.count(), list(qs.values_list("pk", flat=True)[:30])

        hits, first = indexed()
        scan_hits, scan_first = scan()
        shown = f">{COUNT_CAP}" if scan_hits > COUNT_CAP else scan_hits
        agree = hits == shown and first == scan_first[:len(first)] and len(first) == min(scan_hits, 30)
        t_index = summary(timed(indexed, ctx.repeats))
        t_raw = summary(timed(lambda q=q: raw_index(q), ctx.repeats))
        t_scan = summary(timed(scan, max(ctx.repeats // 3, 5), warmup=1))
        ratio = round(t_scan["p50_ms"] / max(t_index["p50_ms"], 0.001), 1)
        uses, _plan = _plan_uses_index(petitions_search(fresh_user(), PetitionFilter(q=q)))
        data["selector"][q] = {"label": label, "hits": hits, "hits_in_scope": scan_hits, "raw_index_hits": raw_index(q),
                               "same_result_as_scan": agree, "index": t_index, "raw_index_query_baseline": t_raw,
                               "like_scan_baseline": t_scan, "speedup_p50": ratio, "plan_uses_index": uses}
        table.append((f"selector {label} '{q}' ({hits} hits of {scan_hits} in scope)",
                      f"page+count p50 {t_index['p50_ms']:.1f} ms p95 {t_index['p95_ms']:.1f} ms | raw index query "
                      f"p50 {t_raw['p50_ms']:.1f} ms p95 {t_raw['p95_ms']:.1f} ms | LIKE scan p50 "
                      f"{t_scan['p50_ms']:.1f} ms | x{ratio}{'' if agree else ' RESULTS DIFFER'}"
                      f"{'' if uses else ' NO INDEX IN PLAN'}"))

    # the earlier shape, for comparison: an exact count of every match and the first page sorted from them all
    def unbounded(q=PAGE_QUERY):
        qs = petitions_search(fresh_user(), PetitionFilter(q=q))
        return qs.count(), list(qs.values_list("pk", flat=True)[:30])

    t = summary(timed(unbounded, max(ctx.repeats // 3, 5), warmup=1))
    data["selector_unbounded_count"] = {"query": PAGE_QUERY, **t}
    table.append((f"  earlier shape '{PAGE_QUERY}': exact count + first page", f"p50 {t['p50_ms']:.1f} ms  p95 {t['p95_ms']:.1f} ms"))
    common = data["selector"][PAGE_QUERY]
    runs = [run_entry("search_p95_ms", common["index"]["p95_ms"], "ms",
                      baseline=common["raw_index_query_baseline"]["p95_ms"], query=PAGE_QUERY,
                      hits=str(common["hits"]), hits_in_scope=common["hits_in_scope"],
                      baseline_is="raw index query (every matching id, unscoped), p95")]

    # -- pages ---------------------------------------------------------------------------------------
    client = Client()
    client.force_login(user)
    url = "/search/?" + urllib.parse.urlencode({"q": PAGE_QUERY})

    def get(path):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    pages = {"search_page": url, "list_page": "/", "search_page_with_filters":
             url + "&" + urllib.parse.urlencode({"channel": "visit", "category": "01"}, doseq=True),
             "search_page_all": "/search/", "search_page_absent_word": "/search/?" + urllib.parse.urlencode({"q": "紫藤"})}
    data["pages"] = {}
    for key, path in pages.items():
        t = summary(timed(lambda path=path: get(path), ctx.repeats))
        data["pages"][key] = {"path": path, **t}
        table.append((f"GET {urllib.parse.unquote(path)}", f"p50 {t['p50_ms']:.1f} ms  p95 {t['p95_ms']:.1f} ms"))
    # the same staff page with nothing found (navigation, form, no rows) is the baseline of the lists
    fixed = data["pages"]["search_page_absent_word"]["p50_ms"]
    runs.append(run_entry("list_page_ms", data["pages"]["search_page"]["p50_ms"], "ms", baseline=fixed,
                          path=url, baseline_is="p50 of the same page for an absent word (紫藤)"))
    runs.append(run_entry("home_page_ms", data["pages"]["list_page"]["p50_ms"], "ms", baseline=fixed,
                          path="/", p95_ms=data["pages"]["list_page"]["p95_ms"],
                          baseline_is="p50 of the search page for an absent word (紫藤)"))

    # the left navigation's queue counts run on every staff page: the part of the page figures above
    # that is not the list or the search
    from xinfang.workflow.queues import queue_counts

    t = summary(timed(lambda: queue_counts(fresh_user()), max(ctx.repeats // 3, 5), warmup=1))
    data["pages"]["navigation_queue_counts"] = t
    table.append(("  of which: navigation queue counts (every page)", f"p50 {t['p50_ms']:.1f} ms  p95 {t['p95_ms']:.1f} ms"))
    # when the cached counts have expired (every COUNTS_TTL seconds per user), for each demo role
    data["pages"]["navigation_queue_counts_fresh"] = {}
    for name in ("demo_clerk", "demo_dispatcher", "demo_leader", "demo_handler"):
        other = User.objects.filter(username=name).first()
        if other is None:
            continue
        t = summary(timed(lambda other=other: queue_counts(User.objects.get(pk=other.pk), fresh=True), 3, warmup=1))
        data["pages"]["navigation_queue_counts_fresh"][name] = t
        table.append((f"  navigation queue counts, not cached ({name})", f"p50 {t['p50_ms']:.1f} ms  max {t['max_ms']:.1f} ms"))

    # -- export of the search result (xlsx, masked) ----------------------------------------------------
    def export():
        response = client.get("/search/export.xlsx?" + urllib.parse.urlencode({"q": PAGE_QUERY}))
        assert response.status_code == 200
        return sum(len(chunk) for chunk in response.streaming_content)

    size = export()
    t = summary(timed(export, max(ctx.repeats // 10, 3), warmup=0))
    rows = data["selector"][PAGE_QUERY]["hits_in_scope"]
    data["export_xlsx"] = {"query": PAGE_QUERY, "rows": rows, "bytes": size, **t}
    table.append((f"GET /search/export.xlsx?q={PAGE_QUERY} ({rows} rows)",
                  f"p50 {t['p50_ms']:.0f} ms  ({rows / max(t['p50_ms'] / 1000, 1e-6):.0f} rows/s, {size // 1024} KiB)"))

    # -- index maintenance ----------------------------------------------------------------------------
    sample = list(Petition.objects.order_by("-id").values_list("pk", "title", "content", "demands")[:1])

    def one():
        from django.db import transaction

        with transaction.atomic():
            index_documents(sample)

    t = summary(timed(one, ctx.repeats))
    data["index_one_petition"] = t
    table.append(("index one petition (registration adds)", f"p50 {t['p50_ms']:.2f} ms  p95 {t['p95_ms']:.2f} ms"))
    data["index_size_bytes"] = _index_size(connection)
    if data["index_size_bytes"]:
        table.append(("index size", f"{data['index_size_bytes'] / 1048576:.1f} MiB"))
    return Result(name="search", data=data, table=table, runs=runs)


def _index_size(connection) -> int | None:
    from xinfang.petitions import search

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_total_relation_size(%s)", [search.TABLE])
            return int(cur.fetchone()[0])
        try:
            cur.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE %s", [search.TABLE + "%"])
            return int(cur.fetchone()[0] or 0)
        except Exception:  # dbstat is not compiled into every SQLite
            return None
