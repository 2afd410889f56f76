"""The business calendar tables: holidays and 调休 make-up workdays, per year (DESIGN §4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """A year whose State Council holiday schedule is known (seeded or entered by an admin)."""

    SOURCE_PACKAGE = "package"
    SOURCE_ADMIN = "admin"
    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    source = models.CharField(_("来源"), max_length=16, default=SOURCE_PACKAGE)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """A day whose status differs from the plain weekend rule: a holiday or a 调休 workday."""

    date = models.DateField(_("日期"), primary_key=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"


class JobLease(models.Model):
    """A worker's hold on a running background job (django-tasks' database backend), renewed while the
    job runs (`xinfang worker`). A job still RUNNING after its lease expired lost its worker (killed,
    host gone): it is put back in the queue and run again by another worker (common/jobs.py)."""

    task = models.OneToOneField("django_tasks_database.DBTaskResult", primary_key=True, on_delete=models.CASCADE,
                                related_name="xinfang_lease")
    worker_id = models.CharField(_("后台任务进程"), max_length=64)
    expires_at = models.DateTimeField(_("租约到期"), db_index=True)

    class Meta:
        verbose_name = _("后台任务租约")
        verbose_name_plural = _("后台任务租约")

    def __str__(self):
        return f"{self.task_id} {self.worker_id} {self.expires_at:%Y-%m-%d %H:%M:%S}"


class JobSchedule(models.Model):
    """A recurring job's clock (the deadline sweep): `next_at` is the next slot. A worker that finds the
    slot due advances it with a conditional UPDATE (`next_at` unchanged since it read it), so of several
    workers exactly one enqueues each slot; `running_until` is the lease of the run in progress, taken
    with a conditional UPDATE too, so two runs never overlap (common/jobs.py)."""

    name = models.CharField(_("名称"), max_length=40, primary_key=True)
    next_at = models.DateTimeField(_("下次执行"))
    running_until = models.DateTimeField(_("执行租约到期"), null=True, blank=True)
    running_by = models.CharField(_("执行进程"), max_length=64, blank=True)
    last_started_at = models.DateTimeField(_("上次开始"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("上次完成"), null=True, blank=True)

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self):
        return f"{self.name} {self.next_at:%Y-%m-%d %H:%M:%S}"
