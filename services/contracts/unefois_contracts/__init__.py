"""unefois contracts service."""
