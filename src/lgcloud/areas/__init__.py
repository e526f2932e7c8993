"""Business areas: registry (住民記録) now; taxation, revenue, insurance, pension, welfare next. Each depends on the
platform only, never on another area's internals."""
