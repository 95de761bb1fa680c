from __future__ import annotations

from django.contrib import admin

from wholefamily.web.claims.models import Funding, Receipt, Target

admin.site.register(
    Funding, list_display=("framework", "year", "attachment", "results", "upfront_share")
)
admin.site.register(
    Target, list_display=("framework", "year", "district", "work_with", "turn_around")
)
admin.site.register(Receipt, list_display=("framework", "year", "amount", "received_on"))
