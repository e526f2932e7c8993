from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import models
from django.utils import timezone


class StaffBackend(ModelBackend):
    """Sessions stay valid only while the staff member's municipality is a member of its group."""

    def get_user(self, user_id: Any) -> Any:
        """The session's staff member with the municipality and whether it is a member today, in one query
        (this runs on every screen request)."""
        from lgcloud.platform.accounts.models import Staff
        from lgcloud.platform.tenancy.models import Membership

        today = timezone.localdate()
        member_today = Membership.objects.filter(
            models.Q(left_on__isnull=True) | models.Q(left_on__gt=today),
            municipality_id=models.OuterRef("municipality_id"), joined_on__lte=today,
        )
        user = (Staff.objects.select_related("municipality").annotate(member_today=models.Exists(member_today))
                .filter(pk=user_id).first())
        return user if user is not None and self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        if user.municipality_id is not None:
            member_today = getattr(user, "member_today", None)
            if member_today is not None:
                return bool(member_today)
            return bool(user.municipality.is_active_member())
        return True
