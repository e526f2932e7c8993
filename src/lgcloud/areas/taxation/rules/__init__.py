"""The 税務 rules as pure functions: facts + a parameter set → amounts with their breakdown. No ORM."""
