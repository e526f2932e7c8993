from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    """Sessions stay valid only while the staff member's municipality is a member of its group."""

    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        if user.municipality_id is not None:
            return bool(user.municipality.is_active_member())
        return True
