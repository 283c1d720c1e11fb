from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from moderation.models import BannedWord

# --- Banned words (helper `rules`): the list moderation.rules holds ads by -------------------


class BannedWordForm(forms.ModelForm):
    class Meta:
        model = BannedWord
        fields = ["word"]
        help_texts = {
            "word": _(
                "A word or phrase in Russian or Kazakh. It matches as a whole word in any letter "
                "case (ё and е alike), never inside a longer word; end it with * to match every "
                "word that begins with it (наркот* holds наркотик and наркотики)."
            )
        }

    def clean_word(self) -> str:
        word = " ".join(self.cleaned_data["word"].split())
        body = word.removesuffix("*")
        if not any(c.isalpha() for c in body):
            raise forms.ValidationError(_("Write a word: at least one letter."))
        if "*" in body:
            raise forms.ValidationError(_("A * may only end the word."))
        return word


@admin.register(BannedWord)
class BannedWordAdmin(admin.ModelAdmin):
    form = BannedWordForm
    list_display = ["word", "created_at"]
    search_fields = ["word"]
    ordering = ["word"]
    list_per_page = 100
