"""Identity and access: OpenID Connect tokens verified against the issuer's JWKS, roles,
and the tenant every query and event is scoped to."""
