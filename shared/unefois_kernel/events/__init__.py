"""Event contracts shared by every service: the CloudEvents envelope and the payload models."""
