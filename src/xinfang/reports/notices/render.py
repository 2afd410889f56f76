"""Render a `Notice` as PDF (WeasyPrint, fonts embedded) and DOCX (python-docx, for Word and WPS).

Fonts: GB/T 9704 asks for 仿宋 body, 小标宋 titles, 黑体 headings. The PDF names those faces first and falls
back to Noto CJK (Debian's fonts-noto-cjk, always installed with the product), glyph by glyph, so a
missing character never becomes a blank box; every face used is embedded. The DOCX names the faces an
office computer has (仿宋_GB2312, 方正小标宋简体, 黑体) with their common fallbacks in the font table, so
Word and WPS show the usual look and LibreOffice substitutes a CJK face.
"""

from __future__ import annotations

import io

from django.template.loader import render_to_string

from .content import Notice, cn_date

PDF_FONTS = {
    "fangsong": '"FangSong_GB2312", "仿宋_GB2312", "FangSong", "仿宋", "Noto Serif CJK SC", serif',
    "xbs": '"FZXiaoBiaoSong-B05S", "方正小标宋简体", "Noto Serif CJK SC", serif',
    "hei": '"SimHei", "黑体", "Noto Sans CJK SC", sans-serif',
    "song": '"SimSun", "宋体", "Noto Serif CJK SC", serif',
}

# DOCX faces (East Asian name, its fallback written into the font table as w:altName)
FANGSONG, XBS, HEI, SONG = "仿宋_GB2312", "方正小标宋简体", "黑体", "宋体"
ALT_NAMES = {FANGSONG: "仿宋", XBS: "宋体", HEI: "SimHei", SONG: "SimSun"}
LATIN = "Times New Roman"
RED = (0xD4, 0, 0)
LINE = 28.9  # pt: 22 lines in the 225 mm text block
BODY_PT = 16  # 3号


def notice_html(notice: Notice) -> str:
    return render_to_string("reports/notice.html", {"n": notice, "date_text": cn_date(notice.date),
                                                    "fonts": PDF_FONTS})


def render_pdf(notice: Notice) -> bytes:
    from weasyprint import HTML

    return HTML(string=notice_html(notice)).write_pdf()


# ---- DOCX --------------------------------------------------------------------------------------

def _set_fonts(r_pr, east_asia: str) -> None:
    from docx.oxml.ns import qn

    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, fonts)
    for key in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(key), None)
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:cs"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)


def _font(run, name: str, size_pt: float, bold: bool = False, color=None) -> None:
    from docx.shared import Pt, RGBColor

    run.font.size = Pt(size_pt)
    run.font.bold = bold
    _set_fonts(run._element.get_or_add_rPr(), name)
    if color:
        run.font.color.rgb = RGBColor(*color)


def _text_width(text: str, size_pt: float) -> float:
    """Advance width in pt: full-width characters take the font size, ASCII half of it."""
    return sum(size_pt if ord(ch) > 0x2E7F else size_pt / 2 for ch in text)


def _page_number_footer(footer, align) -> None:
    """— PAGE — in 4号 宋体, one character in from the edge (GB/T 9704 7.5)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    p = footer.paragraphs[0]
    p.alignment = align
    fmt = p.paragraph_format
    fmt.left_indent = fmt.right_indent = Pt(14)

    def run(text=None, field=None):
        r = p.add_run(text or "")
        _font(r, SONG, 14)
        if field:
            begin, instr, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
            begin.set(qn("w:fldCharType"), "begin")
            instr.set(qn("xml:space"), "preserve")
            instr.text = field
            end.set(qn("w:fldCharType"), "end")
            r._element.append(begin)
            r._element.append(instr)
            r._element.append(end)

    run("— ")
    run(field=" PAGE ")
    run(" —")


def _seal_run(paragraph, *, width_mm: float = 42, offset_x_pt: float = 0, offset_y_pt: float = 0) -> None:
    """A dashed circle behind the text marking where the seal goes (VML: Word, WPS and LibreOffice read it).

    `offset_x_pt` is the circle's left edge from the left margin, `offset_y_pt` its top from the paragraph."""
    from docx.oxml import parse_xml

    size = width_mm * 72 / 25.4
    xml = (
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
        '<w:pict><v:oval style="position:absolute;'
        f'margin-left:{offset_x_pt:.1f}pt;margin-top:{offset_y_pt:.1f}pt;width:{size:.1f}pt;height:{size:.1f}pt;'
        'z-index:-251657216;mso-position-horizontal-relative:margin;mso-position-vertical-relative:text" '
        'filled="f" strokecolor="#EE8888" strokeweight="0.8pt"><v:stroke dashstyle="dash"/></v:oval></w:pict></w:r>'
    )
    paragraph._p.append(parse_xml(xml))


# the order of paragraph properties in WordprocessingML (Word refuses files that break it)
P_PR_ORDER = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
              "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
              "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
              "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
              "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
              "sectPr", "pPrChange")


def _insert_p_pr(p_pr, element) -> None:
    """Insert `element` into a w:pPr at its place in the schema order."""
    from docx.oxml.ns import qn

    rank = P_PR_ORDER.index(element.tag.split("}")[1])
    for tag in P_PR_ORDER[rank + 1:]:
        following = p_pr.find(qn(f"w:{tag}"))
        if following is not None:
            following.addprevious(element)
            return
    p_pr.append(element)


def _border(paragraph, *sides: str, size: int = 8, color: str = "000000", style: str = "single") -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p_pr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    for side in sides:
        el = OxmlElement(f"w:{side}")
        for key, value in (("w:val", style), ("w:sz", str(size)), ("w:space", "1"), ("w:color", color)):
            el.set(qn(key), value)
        border.append(el)
    _insert_p_pr(p_pr, border)


def _font_table(doc) -> None:
    """Declare the faces with their fallbacks (w:altName) so a computer without them picks a near one."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    try:
        part = doc.part.part_related_by(RT.FONT_TABLE)
    except KeyError:
        return
    from lxml import etree

    root = etree.fromstring(part.blob)
    for name, alt in ALT_NAMES.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt_el = OxmlElement("w:altName")
        alt_el.set(qn("w:val"), alt)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        family = OxmlElement("w:family")
        family.set(qn("w:val"), "modern" if name != HEI else "swiss")
        for child in (alt_el, charset, family):
            font.append(child)
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def render_docx(notice: Notice) -> bytes:
    from docx import Document
    from docx.enum.section import WD_SECTION_START
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28)
    receipt = notice.layout == "receipt"
    if receipt:
        section.top_margin, section.bottom_margin = Mm(25), Mm(25)
        section.left_margin = section.right_margin = Mm(25)

    normal = doc.styles["Normal"]
    normal.font.size = Pt(12 if receipt else BODY_PT)
    r_pr = normal.element.get_or_add_rPr()
    _set_fonts(r_pr, SONG if receipt else FANGSONG)
    lang = r_pr.makeelement(qn("w:lang"), {qn("w:val"): "en-US", qn("w:eastAsia"): "zh-CN"})
    r_pr.append(lang)
    _font_table(doc)

    props = doc.core_properties
    props.title, props.author, props.last_modified_by = notice.title, notice.issuer, notice.issuer
    props.subject, props.keywords, props.comments = notice.number, "", ""

    if not receipt:
        # 信函格式: no page number on the first page, a red double rule (thin over thick) 20 mm from the
        # bottom edge instead; later pages numbered
        doc.settings.odd_and_even_pages_header_footer = True
        section.different_first_page_header_footer = True
        section.footer_distance = Mm(20)
        _page_number_footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
        _page_number_footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
        first = section.first_page_footer.paragraphs[0]
        first.paragraph_format.left_indent = first.paragraph_format.right_indent = Mm(-7)
        _border(first, "top", size=18, color="D40000", style="thinThickSmallGap")

    body_size = 12 if receipt else BODY_PT

    def para(text="", *, align=None, size=None, font=None, bold=False, color=None, indent=False,
             space_before=0.0, space_after=0.0, line=None, right_indent=None, keep=False):
        size = size or body_size
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        fmt = p.paragraph_format
        if receipt and line is None:
            fmt.line_spacing = 1.5
        else:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(line or LINE)
        fmt.space_before, fmt.space_after = Pt(space_before), Pt(space_after)
        fmt.widow_control = True
        fmt.keep_with_next = keep
        p_pr = p._p.get_or_add_pPr()
        for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):  # no extra space between Chinese and digits
            _insert_p_pr(p_pr, p_pr.makeelement(qn(tag), {qn("w:val"): "0"}))
        if indent:
            fmt.first_line_indent = Pt(size * 2)
        if right_indent is not None:
            fmt.right_indent = Pt(max(right_indent, 0))
        if text:
            _font(p.add_run(text), font or (SONG if receipt else FANGSONG), size, bold, color)
        return p

    if receipt:
        para(notice.issuer, align=WD_ALIGN_PARAGRAPH.CENTER, size=15)
        para(notice.title, align=WD_ALIGN_PARAGRAPH.CENTER, size=19, bold=True, space_after=4)
        para(f"编号：{notice.number}", align=WD_ALIGN_PARAGRAPH.RIGHT, size=11)
        table = doc.add_table(rows=0, cols=4)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        widths = (Mm(26), Mm(54), Mm(26), Mm(54))
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        for row in notice.facts:
            cells = table.add_row().cells
            for cell, width in zip(cells, widths, strict=True):
                cell.width = width
            if len(row) == 1:
                merged = cells[1].merge(cells[3])
                targets = [(cells[0], row[0][0]), (merged, row[0][1])]
            else:
                targets = [(cells[0], row[0][0]), (cells[1], row[0][1]), (cells[2], row[1][0]), (cells[3], row[1][1])]
            for cell, text in targets:
                _font(cell.paragraphs[0].add_run(text), SONG, 12)
        para(space_after=2)
        para(notice.addressee)
        for block in notice.blocks:
            para(block.text, indent=block.style == "body")
        if notice.footnote:
            para(notice.footnote, size=10.5)
        para()
        sign_text = f"{notice.issuer}{notice.sign_suffix}"
        sign = para(sign_text, align=WD_ALIGN_PARAGRAPH.RIGHT, space_before=12)
        seal_pt = 40 * 72 / 25.4
        centre_x = (210 - 50) * 72 / 25.4 - _text_width(sign_text, 12) / 2
        _seal_run(sign, width_mm=40, offset_x_pt=centre_x - seal_pt / 2, offset_y_pt=-seal_pt / 2 + 18)
        para(cn_date(notice.date), align=WD_ALIGN_PARAGRAPH.RIGHT)
        if notice.sign_note:
            para(notice.sign_note, align=WD_ALIGN_PARAGRAPH.RIGHT, size=10.5)
    else:
        # 信函格式 header: the issuer in red, a red double rule (thick over thin) 170 mm wide, the number
        # flush right under it
        mark = para(notice.issuer, align=WD_ALIGN_PARAGRAPH.CENTER, size=30, font=XBS, bold=True, color=RED,
                    line=40)
        mark.paragraph_format.left_indent = mark.paragraph_format.right_indent = Mm(-7)
        _border(mark, "bottom", size=18, color="D40000", style="thickThinSmallGap")
        para(notice.number, align=WD_ALIGN_PARAGRAPH.RIGHT, space_before=6)
        para(notice.title, align=WD_ALIGN_PARAGRAPH.CENTER, size=22, font=XBS, bold=True, line=34,
             space_before=LINE, space_after=LINE)
        if notice.addressee:
            para(notice.addressee)
        # the last paragraph keeps with the signature: never a page with only the 署名 and the date
        last = len(notice.blocks) - 1
        for i, block in enumerate(notice.blocks):
            if block.style == "heading":
                para(block.text, indent=True, font=HEI, keep=True)
            else:
                para(block.text, indent=block.style == "body", keep=i == last)
        for line in notice.signatures:
            para(line, space_before=LINE / 2, keep=True)
        # 成文日期 four characters in from the right; 署名 centred over it; the seal over both.
        date = cn_date(notice.date)
        w_date, w_issuer = _text_width(date, BODY_PT), _text_width(notice.issuer, BODY_PT)
        date_indent = BODY_PT * 4
        issuer_indent = date_indent + (w_date - w_issuer) / 2
        sign = para(notice.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=issuer_indent, keep=True,
                    space_before=LINE * 1.5)
        seal_mm = 42
        seal_pt = seal_mm * 72 / 25.4
        centre_x = (210 - 28 - 26) * 72 / 25.4 - date_indent - w_date / 2
        _seal_run(sign, width_mm=seal_mm, offset_x_pt=centre_x - seal_pt / 2, offset_y_pt=-seal_pt / 2 + LINE * 2.0)
        para(date, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=date_indent, keep=bool(notice.copy_to))
        if notice.copy_to:
            copy = para(f"抄送：{notice.copy_to}。", size=14, line=LINE, space_before=LINE)
            copy.paragraph_format.left_indent = Pt(14)
            copy.paragraph_format.right_indent = Pt(14)
            _border(copy, "top", "bottom", size=8)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
