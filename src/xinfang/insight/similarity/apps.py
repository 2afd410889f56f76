from django.apps import AppConfig


class SimilarityConfig(AppConfig):
    name = "xinfang.insight.similarity"
    label = "insight_similarity"
    verbose_name = "重复件识别"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from xinfang.petitions.models import Petition

        from .index import on_petition_saved

        post_save.connect(on_petition_saved, sender=Petition, dispatch_uid="insight_similarity_index")
