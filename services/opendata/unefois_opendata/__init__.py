"""unefois opendata service."""
