"""unefois shared kernel: what every service needs and that must be the same everywhere."""
