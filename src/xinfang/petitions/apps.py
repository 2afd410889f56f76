from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "xinfang.petitions"
    label = "petitions"
    verbose_name = "信访件"

    def ready(self):
        from xinfang.org.usage import unit_usage_register

        from .unit_usage import open_petitions_refusal, petitions_refer_to

        unit_usage_register("petitions", open_work=open_petitions_refusal, referenced=petitions_refer_to)
