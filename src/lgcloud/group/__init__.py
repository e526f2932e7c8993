"""Group operations: costs, customization, nationwide. They read meters and aggregates, never personal rows."""
