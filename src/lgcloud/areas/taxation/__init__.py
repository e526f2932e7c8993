"""税務: 個人住民税 and 固定資産税 — assessment of every member on the same standard code."""
