"""The convenience-store bar code of the 納付書: GS1-128 (FNC1 first), AI 91, the 44-digit 標準料金代理収納 layout."""

from __future__ import annotations

import datetime as dt

import pytest
from reportlab.graphics.barcode import code128

from lgcloud.areas.revenue import pdf, slips
from lgcloud.areas.revenue.models import Bill
from lgcloud.platform import levies
from lgcloud.platform.params import services as params

D = dt.date


def test_check_digit_is_the_gs1_modulus_10_with_weights_3_and_1():
    assert slips.check_digit("490123456789") == "4"  # JAN 4901234567894
    # by hand for 4520 1234 5678: from the right 8·3+7+6·3+5+4·3+3+2·3+1+0·3+2+5·3+4 = 97 → 10 − 7 = 3
    assert slips.check_digit("452012345678") == "3"


def test_the_44_digits_in_their_places():
    data = slips.cvs_barcode("912345", "21250100000010011", D(2025, 7, 31), 30_000, reissue=1)
    assert len(data) == 44 and data.isdigit()
    assert data[:2] == "91" and data[2:8] == "912345"
    assert data[8:29] == "21250100000010011" + "0000"  # 自由使用欄: 納付番号, padded with zeros
    assert data[29] == "1" and data[30:36] == "250731" and data[36] == "0" and data[37:43] == "030000"
    assert data[43] == slips.check_digit(data[:43])
    assert slips.human_readable(data) == f"(91)912345-{data[8:29]}-1-250731-0-030000-{data[43]}"
    with pytest.raises(ValueError):
        slips.cvs_barcode("912345", "1", D(2025, 7, 31), 1_000_000)


def test_the_symbol_is_code_128_with_fnc1_first_and_the_digits_in_set_c():
    data = slips.cvs_barcode("912345", "21250100000010011", D(2025, 7, 31), 30_000)
    symbol = code128.Code128("\xf1" + data)
    symbol.validate()
    symbol.encode()
    start_c, fnc1 = 105, 102
    assert symbol.encoded[:2] == [start_c, fnc1]
    assert symbol.encoded[2:24] == [int(data[i:i + 2]) for i in range(0, 44, 2)]  # 22 digit pairs, no shift


def test_the_slip_carries_the_bar_code_and_none_over_the_limit(in_a):
    levies.submit_bills(levies.BillSet(levy="property_tax", fiscal_year=2025, person_no=77, reason="当初賦課",
                                       effective_on=D(2025, 4, 1), lines=(levies.BillLine(1, D(2025, 7, 31), 30_000),
                                                                          levies.BillLine(2, D(2025, 9, 30), 400_000))))
    small, large = Bill.objects.filter(person_no=77).order_by("installment")
    data = pdf.barcode_data(in_a, small.payment_ref, 30_000, small.due_on)
    assert data is not None and data[2:8] == "9" + in_a.code[:5]  # no GS1 code registered yet: the stand-in
    params.set_override(in_a, "revenue.cvs.issuer_code", 2025, "123456", "GS1事業者コード取得")
    assert pdf.barcode_data(in_a, small.payment_ref, 30_000, small.due_on)[2:8] == "123456"  # type: ignore[index]
    assert pdf.barcode_data(in_a, large.payment_ref, 400_000, large.due_on) is None  # over 300,000円
    content = pdf.payment_slip_pdf(in_a, small, 30_000, "試験　太郎")
    assert content.startswith(b"%PDF")


def test_the_qr_code_is_the_packages_with_its_mask_of_least_penalty():
    """`revenue.qr` scores the masks on bit rows: the same mask and modules as the `qrcode` package's own encoder."""
    import random

    import qrcode
    import qrcode.constants

    from lgcloud.areas.revenue import qr

    rng = random.Random(7)
    texts = [slips.qr_text(f"{rng.randrange(10**6):06d}", f"{rng.randrange(10**17):017d}", rng.randrange(1, 10**7),
                           dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))) for _ in range(40)]
    texts += ["".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/.?=&-|") for _ in range(rng.randrange(5, 260)))
              for _ in range(20)]
    for text in texts:
        ref = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        ref.add_data(text)
        ref.make(fit=True)
        assert qr.modules(text) == tuple(tuple(bool(v) for v in row) for row in ref.modules), text


def test_the_qr_codewords_are_the_packages():
    """`revenue.qr` computes the data and error correction codewords itself (GF(256) rows, bits on one integer):
    the same bytes as the package's `create_data`, for every level, mode and many lengths and versions."""
    import random

    import qrcode
    from qrcode import util

    from lgcloud.areas.revenue import qr

    rng = random.Random(13)
    alphabets = ["0123456789", "0123456789ABCDEF:/ $%*+-.", "0123456789abcdef?=&_-.あ納付"]
    for _ in range(120):
        text = "".join(rng.choice(rng.choice(alphabets)) for _ in range(rng.randrange(1, 700)))
        ref = qrcode.QRCode(error_correction=rng.choice([0, 1, 2, 3]), border=0)
        ref.add_data(text)
        ref.best_fit(start=None)
        assert qr._create_data(ref.version, ref.error_correction, ref.data_list) == util.create_data(
            ref.version, ref.error_correction, ref.data_list), text
