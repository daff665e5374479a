"""unefois tendering service."""
