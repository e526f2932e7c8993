"""Demo: illustrative customisation requests (例示) reproducing the Toyama proportions of the seed.

31 requests from the demo members, several members asking for the same topic so
the comparison table lines them up; decided 17 customised, 3 made standard (two
of them as a parameter of the catalogue), 11 withdrawn. Filed and decided
through the services (so the audit log has them); a request that exists
already is left alone, so loading the demo twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from lgcloud.group.customization import services
from lgcloud.group.customization.models import CustomizationRequest, Status
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.demo.loader import DemoContext, demo_step
from lgcloud.platform.tenancy.context import Actor, municipality_scope

C, S, W = Status.CUSTOMIZED, Status.MADE_STANDARD, Status.WITHDRAWN
ROUNDING = "nhi_tax.reduction.rounding"


@dataclass(frozen=True)
class Topic:
    area: str
    topic: str
    reason: str
    description: str
    # (member code, estimated cost in yen, cases per year, decision, decision note)
    requests: tuple[tuple[str, int, int, str, str], ...]
    parameter: str = ""


TOPICS: tuple[Topic, ...] = (
    Topic("registry", "住民票の写しの独自様式", "service_level",
          "住民票の写しに町章と独自の注意文言を印字する様式にしたい。", (
              ("113018", 1_200_000, 9_800, C, "町の条例で定める様式のため実施。費用は伊奈町の単独負担。"),
              ("113417", 1_150_000, 4_100, C, "条例改正までの間のみ実施。費用は滑川町の単独負担。"),
              ("113433", 1_200_000, 6_300, W, "標準様式で住民サービス水準が保てることを他団体の運用で確認し取下げ。"),
              ("113468", 1_180_000, 5_200, W, "標準様式の備考欄で対応できるため取下げ。"),
          )),
    Topic("registry", "転入時の関連手続き案内票の出力", "efficiency",
          "転入届の受付時に、国保・年金・児童手当など関連手続きの案内票を出力したい。", (
              ("113271", 800_000, 3_200, S, "全構成団体に有用なため標準機能として提供する。"),
          )),
    Topic("registry", "窓口番号発券機との連携", "efficiency",
          "窓口の番号発券機と受付画面を連携し、呼出番号を自動で記録したい。", (
              ("113018", 2_500_000, 24_000, C, "既設の発券機の更新時期まで実施。費用は伊奈町の単独負担。"),
              ("113476", 2_300_000, 6_000, C, "既設機器との連携のため実施。費用は吉見町の単独負担。"),
              ("113484", 2_300_000, 3_500, W, "件数が少なく手入力で足りるため取下げ。"),
          )),
    Topic("taxation", "税務の独自減免帳票", "own_policy",
          "町独自の減免（災害・生活困窮）の決定通知書と減免申請一覧を出力したい。", (
              ("113417", 1_800_000, 120, C, "町独自の減免制度のため実施。費用は滑川町の単独負担。"),
              ("113433", 1_750_000, 90, C, "町独自の減免制度のため実施。費用は小川町の単独負担。"),
              ("113492", 1_800_000, 60, C, "町独自の減免制度のため実施。費用はときがわ町の単独負担。"),
              ("113611", 1_700_000, 40, W, "標準の減免通知書の自由記載欄で対応するため取下げ。"),
          )),
    Topic("taxation", "納税通知書への独自広報欄の印字", "service_level",
          "納税通知書の余白に町の広報（口座振替の勧奨など）を印字したい。", (
              ("113468", 600_000, 8_000, W, "同封チラシで対応するため取下げ。"),
              ("113476", 600_000, 7_500, W, "同封チラシで対応するため取下げ。"),
              ("113620", 650_000, 4_200, C, "町の広報方針により実施。費用は皆野町の単独負担。"),
          )),
    Topic("taxation", "口座振替不能通知の独自様式", "efficiency",
          "口座振替ができなかった納税者への通知を町の様式で出力したい。", (
              ("113018", 500_000, 1_500, W, "標準様式で記載事項が足りることを確認し取下げ。"),
              ("113484", 550_000, 600, C, "金融機関との取り決めにより実施。費用は鳩山町の単独負担。"),
          )),
    Topic("insurance", "国保税軽減額の端数処理の独自設定", "own_policy",
          "国保税の軽減額の端数処理を町の条例どおり（切上げ）にしたい。", (
              ("113425", 300_000, 2_400, S, "端数処理をパラメータ化し、各団体が条例に合わせて選べるようにする。"),
              ("113492", 300_000, 1_900, S, "パラメータ化により標準機能で対応する。"),
          ), parameter=ROUNDING),
    Topic("insurance", "人間ドック助成の受付管理", "own_policy",
          "国保被保険者の人間ドック費用助成の申請受付と助成額を管理したい。", (
              ("113271", 1_400_000, 300, C, "町独自の保健事業のため実施。費用は越生町の単独負担。"),
              ("113611", 1_350_000, 250, C, "町独自の保健事業のため実施。費用は横瀬町の単独負担。"),
              ("113638", 1_400_000, 150, W, "表計算での管理で足りるため取下げ。"),
          )),
    Topic("pension", "免除申請書の事前印字", "efficiency",
          "国民年金保険料の免除申請書に氏名・住所等を事前印字して窓口で渡したい。", (
              ("113425", 700_000, 900, W, "日本年金機構の電子申請の利用を案内するため取下げ。"),
              ("113654", 700_000, 500, C, "窓口の混雑対策として実施。費用は小鹿野町の単独負担。"),
          )),
    Topic("welfare", "児童手当現況届の独自案内文", "service_level",
          "児童手当の案内文に町独自の子育て支援策の案内を加えたい。", (
              ("113433", 400_000, 1_300, C, "町の子育て支援施策の周知のため実施。費用は小川町の単独負担。"),
              ("113697", 380_000, 150, C, "村の子育て支援施策の周知のため実施。費用は東秩父村の単独負担。"),
              ("113816", 400_000, 700, W, "同封チラシで対応するため取下げ。"),
          )),
    Topic("welfare", "町独自の子育て給付金の支給管理", "own_policy",
          "町独自の子育て給付金の認定・支給を児童手当の受給者情報と合わせて管理したい。", (
              ("113859", 2_200_000, 1_100, C, "町独自の給付制度のため実施。費用は上里町の単独負担。"),
              ("114081", 2_100_000, 1_600, C, "町独自の給付制度のため実施。費用は寄居町の単独負担。"),
          )),
    Topic("common", "庁内グループウェアとの職員認証連携", "efficiency",
          "庁内のグループウェアの職員アカウントで基幹系にもログインできるようにしたい。", (
              ("114421", 3_000_000, 30_000, C, "既存の認証基盤との連携のため実施。費用は宮代町の単独負担。"),
              ("113638", 2_800_000, 8_000, W, "二要素認証付きの標準ログインで足りるため取下げ。"),
          )),
)


def _admin(code: str) -> Staff | None:
    return Staff.objects.filter(username=f"{code}-admin", role=Role.MUNICIPAL_ADMIN).select_related(
        "municipality"
    ).first()


@demo_step(30)
def customization_requests(ctx: DemoContext) -> None:
    members = {m.code: m for m in ctx.members}
    secretariat = Staff.objects.filter(role=Role.GROUP_SECRETARIAT, group=ctx.group).order_by("pk").first()
    if secretariat is None:
        return
    filed = 0
    for t in TOPICS:
        for code, cost, cases, decision, note in t.requests:
            municipality = members.get(code)
            admin = _admin(code)
            if municipality is None or admin is None:
                continue
            if CustomizationRequest.objects.filter(
                group=ctx.group, municipality=municipality, business_area=t.area, topic=t.topic
            ).exists():
                continue
            with municipality_scope(municipality, Actor(admin.username, admin.role, "system", admin.pk)):
                req = services.file_request(admin, {
                    "business_area": t.area, "topic": t.topic, "reason": t.reason,
                    "description": f"【例示】{t.description}（デモ用の例示データです）",
                    "estimated_cost": cost, "cases_per_year": cases,
                })
            with municipality_scope(None, Actor(secretariat.username, secretariat.role, "system", secretariat.pk)):
                services.decide(req, decision, f"【例示】{note}",
                                t.parameter if decision == Status.MADE_STANDARD else None, by=secretariat)
            filed += 1
    if filed:
        ctx.say(f"  カスタマイズ要望（例示）: {filed}件")
