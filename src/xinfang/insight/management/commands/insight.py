"""`xinfang insight train|evaluate|hotspots|support …` (also `manage.py insight …`): see `_insight`."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from . import _insight


class Command(BaseCommand):
    help = "智能辅助：train 训练内容分类模型，evaluate 分组交叉验证评估，hotspots 热点问题，support 导入留言的点赞数。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{train,evaluate,hotspots,support}")
        _insight.add_data_arguments(sub.add_parser("train", help="训练并启用新版本的内容分类模型"))
        _insight.add_data_arguments(sub.add_parser("evaluate", help="按规范化文本分组交叉验证（macro-F1 等）"),
                                    evaluate=True)
        _insight.hotspots_arguments(sub.add_parser("hotspots", help="热点问题"))
        _insight.support_arguments(sub.add_parser("support", help="导入留言文件的点赞数、反对数（公众支持度）"))

    def handle(self, *args, **options):
        run = {"train": _insight.run_train, "evaluate": _insight.run_evaluate,
               "hotspots": _insight.run_hotspots, "support": _insight.run_support}[options["action"]]
        with translation.override(settings.LANGUAGE_CODE):
            run(options, self.stdout)
