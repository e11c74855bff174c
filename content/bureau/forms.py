"""The bureau's form for a city-wide item."""

from django import forms

from content.bureau.models import CitywideItem


class CitywideItemForm(forms.ModelForm):
    class Meta:
        model = CitywideItem
        fields = ["kind", "title", "date", "document_number", "issuing_body", "effective_date", "summary", "body"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "effective_date": forms.DateInput(attrs={"type": "date"}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 12}),
        }
