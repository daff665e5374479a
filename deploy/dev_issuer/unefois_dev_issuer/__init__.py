"""unefois development OpenID Connect issuer.

A small issuer for development and tests only: seeded users (buyers of three buyer
organisations, four supplier companies, one operator), RS256 tokens carrying the claims
contract of unefois_kernel.auth.principal, the authorization code flow with PKCE (S256), and
the resource owner password grant for the seeded users, which the tests, the demo and the
CLI use. The password grant is deprecated by OAuth 2.1 and a production issuer (ProConnect,
Keycloak, ...) must not enable it.
"""

DEFAULT_DEV_PASSWORD = "unefois-dev"
