"""Built-in rule packs (shipped from the top-level rules/ folder)."""
