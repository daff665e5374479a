"""unefois sourcing service."""
