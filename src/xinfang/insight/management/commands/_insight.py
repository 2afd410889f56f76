"""The sub-commands of `xinfang insight …`, shared by the `insight` command (sub-parsers) and the
one-word commands `insight_train`, `insight_evaluate`, `insight_hotspots` that the `xinfang` console
script maps `xinfang insight train …` to (config/cli.py).

- `train --csv FILE [--csv FILE …] --text-column C [--title-column C] --label-column C`: trains, stores
  and activates a new classifier version; prints one JSON line {version, n, labels, seconds}.
- `evaluate …same options… [--folds 5]`: cross-validation grouped by normalised text; prints JSON
  {macro_f1, per_class_f1, confusion: {labels, matrix}, n, …}.
- `hotspots …`: see xinfang.insight.hotspots.cli.
- `support --csv FILE`: the 点赞数/反对数 of an imported message-board file (xinfang.insight.hotspots.support_command).
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from xinfang.common.errors import ApplicationError

MAX_FOLDS = 20


def add_data_arguments(parser, *, evaluate: bool = False) -> None:
    parser.add_argument("--csv", action="append", default=[], metavar="FILE",
                        help="带标签的 CSV 文件（UTF-8 或 GBK），可重复；各文件使用相同的列名")
    parser.add_argument("--text-column", default="", help="正文列名（必填），如 留言详情")
    parser.add_argument("--title-column", default="", help="标题列名（可选；文件没有该列时视为无标题），如 留言主题")
    parser.add_argument("--label-column", default="", help="标签列名（必填，一级分类名称），如 一级标签")
    if evaluate:
        parser.add_argument("--folds", type=int, default=5, help="交叉验证折数（默认5，按规范化文本分组）")


def _read(options):
    from xinfang.insight.classifier.data import read_labelled

    if not options.get("csv"):
        raise CommandError("请用 --csv 指定至少一个带标签的 CSV 文件。")
    if not options.get("text_column"):
        raise CommandError("请用 --text-column 指定正文列名。")
    if not options.get("label_column"):
        raise CommandError("请用 --label-column 指定标签列名。")
    try:
        data = read_labelled(options["csv"], text_column=options["text_column"],
                             title_column=options.get("title_column") or "", label_column=options["label_column"])
    except ApplicationError as exc:
        raise CommandError(exc.message) from None
    labels = set(data.labels)
    if len(labels) < 2:
        raise CommandError(f"至少需要两种不同的标签，文件中只有：{'、'.join(sorted(labels))}")
    return data


def run_train(options, stdout) -> None:
    from xinfang.insight.classifier.services import classifier_train

    data = _read(options)
    try:
        row, seconds = classifier_train(titles=data.titles, contents=data.contents, labels=data.labels,
                                        source="csv", metrics={"files": data.files, "skipped": data.skipped})
    except ValueError as exc:
        raise CommandError(f"训练失败：{exc}") from None
    stdout.write(json.dumps({"version": row.version, "n": row.n, "labels": row.labels,
                             "seconds": round(seconds, 1), "skipped": data.skipped}, ensure_ascii=False))


def run_evaluate(options, stdout) -> None:
    from xinfang.insight.classifier.evaluation import cross_validate

    folds = options.get("folds") or 5
    if not 2 <= folds <= MAX_FOLDS:
        raise CommandError(f"--folds 应在 2 到 {MAX_FOLDS} 之间。")
    data = _read(options)
    try:
        result = cross_validate(data.titles, data.contents, data.labels, folds=folds)
    except ValueError as exc:
        raise CommandError(f"无法评估：{exc}") from None
    result["skipped"] = data.skipped
    stdout.write(json.dumps(result, ensure_ascii=False))


def run_hotspots(options, stdout) -> None:
    from xinfang.insight.hotspots import cli

    try:
        cli.run(options, stdout)
    except ApplicationError as exc:
        raise CommandError(exc.message) from None


def hotspots_arguments(parser) -> bool:
    try:
        from xinfang.insight.hotspots import cli
    except ImportError:
        return False
    cli.add_arguments(parser)
    return True


def run_support(options, stdout) -> None:
    from xinfang.insight.hotspots import support_command

    try:
        support_command.run(options, stdout)
    except ApplicationError as exc:
        raise CommandError(exc.message) from None


def support_arguments(parser) -> None:
    from xinfang.insight.hotspots import support_command

    support_command.add_arguments(parser)
