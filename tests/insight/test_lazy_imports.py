"""scikit-learn and jieba load on first use, not when a process starts (a worker that never classifies
keeps ~100 MB less); the weekly retraining sweep still runs through its registration."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.utils import timezone


@pytest.mark.parametrize("urls", [False, True], ids=["setup", "setup+urls"])
def test_starting_django_loads_no_classifier_library(tmp_path, urls):
    # with the URL configuration too: a worker's sweep calls reverse(), which imports every view and router
    code = ("import django, sys; django.setup(); "
            + ("from django.urls import get_resolver; get_resolver().url_patterns; " if urls else "")
            + "print(sorted(m for m in ('sklearn', 'jieba', 'scipy') if m in sys.modules))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "xinfang.config.settings",
           "XINFANG_DATABASE_URL": f"sqlite:///{tmp_path / 'lazy.sqlite3'}"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.django_db
def test_the_registered_retraining_sweep_runs():
    from xinfang.common.sweeps import sweeps_registered, sweeps_run

    assert "classifier_retrain" in sweeps_registered()
    monday = timezone.make_aware(dt.datetime(2026, 11, 30, 10, 0))
    assert sweeps_run(monday)["classifier_retrain"] == {"skipped": True}
