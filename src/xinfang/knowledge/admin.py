from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from xinfang.common.errors import ApplicationError

from .models import Article


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ("kind", "title", "source", "category", "body", "lesson", "petition", "unit", "is_published")

    def clean(self):
        from .services import _clean

        data = super().clean()
        kind = data.get("kind") or getattr(self.instance, "kind", "")
        try:
            _clean(title=data.get("title", ""), body=data.get("body", ""), source=data.get("source", ""),
                   lesson=data.get("lesson", ""), lesson_required=kind == Article.Kind.CASE)
        except ApplicationError as exc:
            raise forms.ValidationError(
                {exc.field: exc.message} if exc.field in self.fields else exc.message) from None
        if kind == Article.Kind.CASE and not self.instance.pk and not data.get("petition"):
            raise forms.ValidationError({"petition": _("典型案例须关联来源信访件。")})
        return data


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Writes go through the knowledge services, so they are validated and audited."""

    form = ArticleAdminForm

    list_display = ("title", "kind", "category", "source", "unit", "is_published", "updated_at")
    list_filter = ("kind", "is_published")
    search_fields = ("title", "body", "lesson", "source")
    raw_id_fields = ("petition",)
    autocomplete_fields = ("unit",)
    readonly_fields = ("created_by", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:  # the kind and the source petition are fixed once created
            fields += ["kind", "petition", "unit"]
        return fields

    def save_model(self, request, obj, form, change):
        from .services import article_create, article_update

        data = form.cleaned_data
        common = {"title": data.get("title", obj.title), "body": data.get("body", obj.body),
                  "source": data.get("source", obj.source), "category": data.get("category", obj.category),
                  "lesson": data.get("lesson", obj.lesson), "is_published": data.get("is_published", True)}
        if change:
            saved = article_update(actor=request.user, article_id=obj.pk, **common)
        elif obj.kind == Article.Kind.CASE and obj.petition_id:
            from .services import case_mark

            common.pop("source")
            common.pop("category")
            saved = case_mark(actor=request.user, petition_id=obj.petition_id, **common)
        else:
            saved = article_create(actor=request.user, **common)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        from .services import article_delete

        article_delete(actor=request.user, article_id=obj.pk)
