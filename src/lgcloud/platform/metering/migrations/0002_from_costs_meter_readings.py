"""The meters used to live in costs (costs_meterreading, one row per member, meter and month): copy them into
the monthly totals. costs 0002 then drops the old table."""

from django.db import migrations


def copy(apps, schema_editor):  # type: ignore[no-untyped-def]
    MeterReading = apps.get_model("costs", "MeterReading")
    MonthlyTotal = apps.get_model("metering", "MonthlyTotal")
    rows = [MonthlyTotal(municipality_id=r.municipality_id, meter=r.meter, month=r.month, value=r.value)
            for r in MeterReading.objects.all().iterator(chunk_size=5000)]
    MonthlyTotal.objects.bulk_create(rows, batch_size=5000)


def back(apps, schema_editor):  # type: ignore[no-untyped-def]
    MeterReading = apps.get_model("costs", "MeterReading")
    MonthlyTotal = apps.get_model("metering", "MonthlyTotal")
    MeterReading.objects.bulk_create(
        [MeterReading(municipality_id=r.municipality_id, meter=r.meter, month=r.month, value=r.value)
         for r in MonthlyTotal.objects.all().iterator(chunk_size=5000)], batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [
        ("metering", "0001_initial"),
        ("costs", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy, back)]
