"""Questions of suppliers on a published consultation, and the answers published to all."""
