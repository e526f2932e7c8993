"""Pure rules of 国民健康保険: facts + parameters → amount + breakdown (no ORM)."""
