"""Server-rendered SVG charts (pygal) for the dashboard, served by xinfang itself.

pygal's default configuration loads its tooltip script from a remote host; every chart here is
built with `js=[]` (and pygal's own CSS, which it inlines into the SVG), so a page with charts makes
no request to any other host (DESIGN §2).
"""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#334155", foreground_strong="#1f2933",
    foreground_subtle="#94a3b8", opacity=".85", opacity_hover=".95", transition="0ms",
    colors=("#1d5fa8", "#e0903e", "#2f7d32", "#a61b1b", "#6b4fa0", "#0f8b8d", "#94a3b8"),
    font_family=FONT, label_font_family=FONT, major_label_font_family=FONT, value_font_family=FONT,
    value_label_font_family=FONT, tooltip_font_family=FONT, title_font_family=FONT, legend_font_family=FONT,
    label_font_size=12, major_label_font_size=12, legend_font_size=12, title_font_size=14, value_font_size=11,
)


def _text_width(text: str, size: int = 12) -> int:
    """Rough rendered width: CJK characters are full width (pygal assumes narrow Latin glyphs)."""
    return sum(size if ord(ch) > 0x2E80 else size * 6 // 10 for ch in str(text))


def _config(**kw) -> dict:
    """Options every chart shares: no remote script, no XML declaration (inlined into the page)."""
    base = {"js": [], "disable_xml_declaration": True, "style": STYLE, "height": 300, "width": 640,
            "show_legend": True, "legend_at_bottom": True, "legend_at_bottom_columns": 3, "margin": 10,
            "margin_bottom": 26,
            "print_values": False, "pretty_print": False, "truncate_label": -1, "truncate_legend": -1,
            "no_data_text": "无数据"}
    base.update(kw)
    return base


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)


def render(chart) -> str:
    """The SVG without pygal's inline config script: without its tooltip script (js=[]) nothing reads it,
    and the Content-Security-Policy allows no inline script."""
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def line_chart(title: str, labels: list[str], series: list[tuple[str, list[int]]]) -> str:
    chart = pygal.Line(**_config(title=title, x_label_rotation=0, show_minor_x_labels=True, dots_size=3,
                                 fill=False, show_y_guides=True, include_x_axis=True))
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, values)
    return render(chart)


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list[int]]], *, horizontal: bool = False,
              height: int = 300) -> str:
    cls = pygal.HorizontalBar if horizontal else pygal.Bar
    widest = max([_text_width(label) for label in labels] + [0])
    extra = {"margin_left": 10 + widest // 2} if horizontal else {"margin_bottom": 26 + widest // 3}
    chart = cls(**_config(title=title, height=height, print_values=True, print_zeroes=False,
                          x_label_rotation=0 if horizontal else 20, show_legend=len(series) > 1, **extra))
    if horizontal:  # pygal draws the first bar at the bottom: keep the first (largest) on top
        labels = list(reversed(labels))
        series = [(name, list(reversed(values))) for name, values in series]
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, values)
    return render(chart)
