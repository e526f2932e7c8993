"""Pure rules of 収納・滞納: facts + parameters → amount + breakdown, no ORM.

- `late_fee`: 延滞金, day by day at the two statutory rates of each calendar year.
- `refund_interest`: 還付加算金.
- `allocation`: the order in which a payment settles principal (本税) and 延滞金.
- `light_vehicle`: 軽自動車税（種別割） by vehicle type and age, including the 13-year 重課.
"""
