def parse_id(raw) -> int | None:
    """A database id from user input, or None: ASCII digits only ("²".isdigit() is True)."""
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 18:
        return int(raw)
    return None
