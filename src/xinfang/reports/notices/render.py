"""Render a `Notice` as PDF (WeasyPrint, fonts embedded) and DOCX (python-docx, Word/WPS)."""

from __future__ import annotations

import io

from django.template.loader import render_to_string

from .content import Notice, cn_date

SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"


def render_pdf(notice: Notice) -> bytes:
    from weasyprint import HTML

    html = render_to_string("reports/notice.html", {"n": notice, "date_text": cn_date(notice.date)})
    return HTML(string=html).write_pdf()


def _font(run, name: str, size_pt: float, bold: bool = False, color=None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = name
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    r_pr = run._element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)
    if color:
        run.font.color.rgb = RGBColor(*color)


def render_docx(notice: Notice) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def para(text="", *, align=None, size=16, font=SERIF, bold=False, color=None, indent=False, space_after=0):
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        fmt = p.paragraph_format
        fmt.line_spacing = Pt(28.9)
        fmt.space_after = Pt(space_after)
        if indent:
            fmt.first_line_indent = Pt(size * 2)
        if text:
            _font(p.add_run(text), font, size, bold, color)
        return p

    para(notice.issuer, align=WD_ALIGN_PARAGRAPH.CENTER, size=26, bold=True, color=(0xCC, 0, 0), space_after=12)
    if notice.number:
        para(notice.number, align=WD_ALIGN_PARAGRAPH.CENTER)
    rule = para()
    p_pr = rule._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "16"), ("w:space", "1"), ("w:color", "CC0000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    p_pr.append(border)
    para(notice.title, align=WD_ALIGN_PARAGRAPH.CENTER, size=22, bold=True, space_after=12)
    if notice.addressee:
        para(f"{notice.addressee}：")
    for text in notice.paragraphs:
        para(text, indent=True)
    if notice.facts:
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for key, value in notice.facts:
            cells = table.add_row().cells
            _font(cells[0].paragraphs[0].add_run(key), SANS, 14)
            _font(cells[1].paragraphs[0].add_run(value), SERIF, 14)
    para()
    para("（印章）", align=WD_ALIGN_PARAGRAPH.RIGHT, size=10, color=(0xCC, 0, 0))
    para(notice.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(cn_date(notice.date), align=WD_ALIGN_PARAGRAPH.RIGHT)
    if notice.copy_to:
        para()
        para(f"抄送：{notice.copy_to}。", size=14)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
