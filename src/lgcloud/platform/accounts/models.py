"""Staff (職員) accounts and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from lgcloud.platform.accounts.roles import MUNICIPAL_ROLES, TWO_FACTOR_ROLES, Role, capabilities
from lgcloud.platform.tenancy.models import Membership, Municipality


class Staff(AbstractUser):
    """A staff member: of one municipality, of the group secretariat, or of the platform operator."""

    role = models.CharField("役割", max_length=30, choices=Role.choices)
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    group = models.ForeignKey(
        "tenancy.Group", on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    display_name = models.CharField("氏名", max_length=60, blank=True)
    failed_logins = models.PositiveIntegerField("連続ログイン失敗回数", default=0)
    locked_until = models.DateTimeField("ロック解除日時", null=True, blank=True)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_enabled = models.BooleanField("二要素認証設定済み", default=False)
    totp_last_counter = models.BigIntegerField(default=0)
    totp_failures = models.PositiveIntegerField("確認コードの連続失敗回数", default=0)
    totp_locked_until = models.DateTimeField("確認コードのロック解除日時", null=True, blank=True)
    password_change_required = models.BooleanField("次回ログイン時にパスワード変更", default=False)

    class Meta:
        verbose_name = "職員"
        constraints = [
            models.CheckConstraint(
                name="staff_belongs_to_one_place",
                condition=(
                    models.Q(role__in=sorted(MUNICIPAL_ROLES), municipality__isnull=False, group__isnull=True)
                    | models.Q(role=Role.GROUP_SECRETARIAT, municipality__isnull=True, group__isnull=False)
                    | models.Q(role=Role.OPERATOR, municipality__isnull=True, group__isnull=True)
                    | models.Q(role="", is_superuser=True)
                ),
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""

    @property
    def capabilities(self) -> frozenset[str]:
        return capabilities(self.role)

    def has_cap(self, cap: str) -> bool:
        return cap in self.capabilities

    @property
    def needs_two_factor(self) -> bool:
        return self.role in TWO_FACTOR_ROLES

    def personal_data_municipality(self) -> Municipality | None:
        """The municipality whose residents this staff member may reach, or None."""
        from lgcloud.platform.accounts.roles import Cap

        if self.municipality_id and self.has_cap(Cap.PERSONAL_DATA):
            return self.municipality
        return None


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """Per-staff API token. Only its hash is stored; the raw token is shown once."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField(max_length=8)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    read_only = models.BooleanField("参照のみ", default=False)
    issued_by = models.CharField("発行者", max_length=150, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @classmethod
    def issue(cls, staff: Staff, name: str, *, read_only: bool = False, issued_by: str = "") -> tuple[ApiToken, str]:
        raw = "lgc_" + secrets.token_urlsafe(32)
        token = cls.objects.create(staff=staff, name=name, prefix=raw[4:12], token_hash=_hash_token(raw),
                                   read_only=read_only, issued_by=issued_by)
        return token, raw

    @classmethod
    def find(cls, raw: str) -> ApiToken | None:
        """The token with its staff member and municipality; `member_today` says whether that municipality is a
        member of its group today (one query: this runs on every API call)."""
        today = timezone.localdate()
        member_today = Membership.objects.filter(
            models.Q(left_on__isnull=True) | models.Q(left_on__gt=today),
            municipality_id=models.OuterRef("staff__municipality_id"), joined_on__lte=today,
        )
        return (
            cls.objects.select_related("staff", "staff__municipality")
            .annotate(member_today=models.Exists(member_today))
            .filter(token_hash=_hash_token(raw), revoked=False)
            .first()
        )


class LoginThrottle(models.Model):
    """Failed logins counted per (account, address) and per address, never per account alone.

    A lock keyed by the account alone would let anyone lock any clerk out by typing wrong passwords
    from anywhere; keyed by (account, address) it only stops that address, and the per-address count
    stops one address trying many accounts. Unknown usernames are counted exactly like known ones, so
    the answers never tell an existing username apart. Keys are hashed (no usernames or addresses in clear).
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "ログイン試行の制限"

    def __str__(self) -> str:
        return f"{self.key[:8]}… ({self.failures})"
