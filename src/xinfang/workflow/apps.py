from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "xinfang.workflow"
    label = "workflow"
    verbose_name = "流程与时限"
