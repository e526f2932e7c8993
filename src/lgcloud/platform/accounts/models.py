"""Staff (職員) accounts and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import connection, models
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
        member of its group today (one statement, its text built once: this runs on every API call)."""
        from lgcloud.platform.db import fixed

        today = timezone.localdate()
        with connection.cursor() as cur:
            cur.execute(_find_sql(), [today, today, _hash_token(raw), False])
            row = cur.fetchone()
        if row is None:
            return None
        n_token, n_staff = fixed.width(cls), fixed.width(Staff)
        token = fixed.build(cls, row[:n_token])
        staff = fixed.build(Staff, row[n_token:n_token + n_staff])
        municipality = (fixed.build(Municipality, row[n_token + n_staff:-1]) if staff.municipality_id is not None
                        else None)
        staff.municipality = municipality
        token.staff = staff
        token.member_today = bool(row[-1])  # type: ignore[attr-defined]
        return token


_FIND_SQL: dict[str, str] = {}


def _find_sql() -> str:
    """ApiToken.find's statement: the token, its staff member, the staff member's municipality and whether that is a
    member of its group today (parameters: today, today, token hash, revoked=False)."""
    if connection.vendor not in _FIND_SQL:
        from lgcloud.platform.db import fixed

        qn = connection.ops.quote_name
        t, s, m = (qn(model._meta.db_table) for model in (ApiToken, Staff, Municipality))
        ms = qn(Membership._meta.db_table)
        _FIND_SQL[connection.vendor] = (
            f"SELECT {fixed.columns(ApiToken, t)}, {fixed.columns(Staff, s)}, {fixed.columns(Municipality, m)}, "
            f"EXISTS(SELECT 1 FROM {ms} WHERE {ms}.municipality_id = {s}.municipality_id AND {ms}.joined_on <= %s "
            f"AND ({ms}.left_on IS NULL OR {ms}.left_on > %s)) "
            f"FROM {t} INNER JOIN {s} ON {s}.id = {t}.staff_id LEFT OUTER JOIN {m} ON {m}.id = {s}.municipality_id "
            f"WHERE {t}.token_hash = %s AND {t}.revoked = %s LIMIT 1"
        )
    return _FIND_SQL[connection.vendor]


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
