"""The project's own records (public schema): which demo centres already have their made-up history."""

from django.db import models


class DemoHistory(models.Model):
    """The demo's history of one centre, made once by `seed_demo` (the next run skips it)."""

    centre = models.OneToOneField("tenants.Centre", on_delete=models.CASCADE, related_name="+")
    start = models.DateField()
    end = models.DateField()
    made_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.centre_id} {self.start}–{self.end}"
