"""Pure rules of 児童手当."""
