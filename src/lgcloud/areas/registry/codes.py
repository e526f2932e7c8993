"""Code lists the registry enforces (and the standard layout's code tables mirror)."""

from __future__ import annotations

# 在留資格 (出入国管理及び難民認定法 別表第一・第二), as recorded on the resident record.
RESIDENCE_STATUSES: tuple[str, ...] = (
    "外交", "公用", "教授", "芸術", "宗教", "報道", "高度専門職", "経営・管理", "法律・会計業務", "医療", "研究", "教育",
    "技術・人文知識・国際業務", "企業内転勤", "介護", "興行", "技能", "特定技能", "技能実習", "育成就労", "文化活動",
    "短期滞在", "留学", "研修", "家族滞在", "特定活動", "永住者", "日本人の配偶者等", "永住者の配偶者等", "定住者",
)
