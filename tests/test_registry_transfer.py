"""A move from member A to member B travels as messages; neither reads the other's register."""

from __future__ import annotations

import pytest

from lgcloud.areas.registry import engine, engine_asof, transfer
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.removal import move_out
from lgcloud.areas.registry.models import MoveOutState, Person, Status, TransferKind, TransferMessage
from lgcloud.platform.common.errors import ValidationFailed


def test_move_between_members(muni_a, muni_b, as_municipality):
    with as_municipality(muni_a):
        r = move_in(
            persons=[{"family_name": "鈴木", "given_name": "一郎", "family_name_kana": "スズキ",
                      "given_name_kana": "イチロウ", "birth_date": "1970-05-05", "sex": "male", "relationship": "世帯主",
                      "individual_number": "123456789018", "registered_domicile": "埼玉県伊奈町"}],
            address={"address": "埼玉県北足立郡伊奈町小室1"}, effective_on="2020-04-01", notified_on="2020-04-01",
            previous_address="東京都")
        ichiro = r.persons[0]
        move_out(person_nos=[ichiro.person_no], destination="埼玉県入間郡越生町越生1",
                          destination_code=muni_b.code, effective_on="2024-04-10", notified_on="2024-04-01")
        ichiro.refresh_from_db()
        assert ichiro.status == Status.REMOVED and ichiro.move_out_state == MoveOutState.PLANNED
        assert TransferMessage.objects.count() == 0  # A's inbox holds nothing: the message is B's
    with as_municipality(muni_b):
        assert Person.objects.count() == 0
        [msg] = transfer.pending(TransferKind.MOVE_OUT_CERTIFICATE)
        assert msg.sender == muni_a and msg.payload["persons"][0]["family_name"] == "鈴木"
        assert "123456789018" not in str(msg.payload)
        moved = transfer.move_in_from_certificate(
            message_id=msg.pk, address={"address": "埼玉県入間郡越生町越生1"}, effective_on="2024-04-12",
            notified_on="2024-04-15")
        b_ichiro = moved.persons[0]
        assert b_ichiro.previous_address == "埼玉県北足立郡伊奈町小室1"
        assert engine.reveal_individual_number(b_ichiro, "resident_register") == "123456789018"
        assert transfer.pending(TransferKind.MOVE_OUT_CERTIFICATE) == []
    with as_municipality(muni_a):
        assert transfer.process_move_in_notices() == 1
        ichiro.refresh_from_db()
        assert ichiro.move_out_state == MoveOutState.CONFIRMED and "越生町" in ichiro.moved_to
        assert engine_asof.verify_projection() == []
    with as_municipality(muni_b):
        assert engine_asof.verify_projection() == []


def test_destination_must_be_a_member(muni_a, as_municipality):
    with as_municipality(muni_a):
        r = move_in(persons=[{"family_name": "田中", "given_name": "花", "birth_date": "1990-01-01",
                                       "sex": "female", "relationship": "世帯主"}],
                             address={"address": "伊奈町1"}, effective_on="2020-04-01", notified_on="2020-04-01",
                             previous_address="東京都")
        with pytest.raises(ValidationFailed, match="構成団体ではありません"):
            move_out(person_nos=[r.persons[0].person_no], destination="大阪市", destination_code="271004",
                              effective_on="2024-04-10", notified_on="2024-04-01")
