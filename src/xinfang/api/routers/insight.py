"""/api/v1/insight: text intelligence at intake."""

from django.utils.translation import gettext as _
from ninja import Router

from xinfang.common.errors import ApplicationError
from xinfang.insight.selectors import category_suggestions, suggestions_method

from ..schemas import SuggestIn, SuggestOut

router = Router(tags=["insight"])


@router.post("/insight/suggest", response=SuggestOut, summary="建议内容分类")
def suggest(request, payload: SuggestIn):
    if not (payload.title.strip() or payload.content.strip()):
        raise ApplicationError(_("请填写标题或反映内容。"), "invalid", "content")
    found = category_suggestions(title=payload.title, content=payload.content)
    return {"method": suggestions_method(), "suggestions": [
        {"code": s.code, "name": s.name, "confidence": s.confidence, "keywords": list(s.keywords)} for s in found]}
