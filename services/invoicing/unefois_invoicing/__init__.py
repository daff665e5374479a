"""unefois invoicing service."""
