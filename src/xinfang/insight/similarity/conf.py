"""Decision thresholds (documented settings).

`settings.XINFANG["SIMILAR"]` may override any of:

- ``REPEAT_THRESHOLD`` (default 0.45): a petition of the same petitioner whose matter score reaches
  it is a repeat candidate (同人同事). The petitioner is already known to be the same, so the text
  needs to say "same matter" less strongly than for strangers.
- ``DUPLICATE_THRESHOLD`` (default 0.60): an open petition of other people whose matter score reaches
  it is a duplicate candidate (联名/并案).
- ``FLOOR`` (default 0.25): below it a candidate is never shown, even with ``?all=1``.
- ``SAME_PERSON_LIMIT`` (default 200): at most this many of the petitioner's latest petitions are
  compared (a frequent petitioner's older ones are reached through the repeat links).
- ``BAND_LIMIT`` (default 200): per LSH band, at most this many of the latest petitions are read
  (a bucket of boilerplate shared by thousands never makes a check slow).
- ``SCORED_LIMIT`` (default 10): per kind, only this many candidates closest by their stored MinHash
  signature get the precise score (the check stays fast whatever a petitioner or a bucket holds).

The defaults come from `python -m bench --only repeats` (bench/bench_repeats.py) on the labelled
real messages: see the README's figures.
"""

DEFAULTS = {"REPEAT_THRESHOLD": 0.45, "DUPLICATE_THRESHOLD": 0.60, "FLOOR": 0.25, "SAME_PERSON_LIMIT": 200,
            "BAND_LIMIT": 200, "SCORED_LIMIT": 10}


def get(name: str):
    try:
        from django.conf import settings

        return (getattr(settings, "XINFANG", {}) or {}).get("SIMILAR", {}).get(name, DEFAULTS[name])
    except Exception:  # settings not configured (the text module used alone)
        return DEFAULTS[name]


def threshold(kind: str) -> float:
    return float(get("REPEAT_THRESHOLD" if kind == "repeat" else "DUPLICATE_THRESHOLD"))
