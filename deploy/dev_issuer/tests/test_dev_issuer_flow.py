"""The development issuer's authorization code flow, PKCE, codes, clients and logout."""

import asyncio

import httpx

from dev_issuer_helpers import CALLBACK, ISSUER, authorization_parameters, code_exchange, code_for, hidden_fields, log_in


async def test_discovery_names_every_endpoint_under_the_issuer(issuer):
    document = (await issuer.get("/.well-known/openid-configuration")).json()
    assert document["issuer"] == ISSUER
    for endpoint, path in [("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"),
                           ("userinfo_endpoint", "/userinfo"), ("jwks_uri", "/jwks.json"),
                           ("end_session_endpoint", "/logout")]:
        assert document[endpoint] == ISSUER + path
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]


async def test_code_flow_with_pkce_gives_tokens_with_the_nonce(issuer):
    code, verifier = await code_for(issuer)
    answer = await issuer.post("/token", data=code_exchange(code, verifier))
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    from joserfc import jws
    import json

    compact = jws.extract_compact(body["id_token"].encode())
    identity = json.loads(compact.payload)
    assert identity["nonce"] == "nonce-456"
    # The ID token is for the client alone: never the platform's audience, never typ at+jwt.
    assert identity["azp"] == "unefois-sourcing" and identity["aud"] == "unefois-sourcing"
    assert compact.protected["typ"] == "JWT"
    access = jws.extract_compact(body["access_token"].encode())
    assert access.protected["typ"] == "at+jwt" and json.loads(access.payload)["aud"] == "unefois"
    # Both name the issuer session, which a service revokes at logout.
    assert identity["sid"] and json.loads(access.payload)["sid"] == identity["sid"]


async def test_two_code_flows_in_one_issuer_session_share_its_sid(issuer):
    from joserfc import jws
    import json

    sids = set()
    for _ in range(2):  # the second login reuses the issuer's session cookie (no form)
        code, verifier = await code_for(issuer)
        body = (await issuer.post("/token", data=code_exchange(code, verifier))).json()
        sids.add(json.loads(jws.extract_compact(body["access_token"].encode()).payload)["sid"])
    assert len(sids) == 1


async def test_redirect_after_login_carries_code_state_and_issuer(issuer):
    parameters, _ = authorization_parameters()
    answer = await log_in(issuer, parameters)
    location = httpx.URL(answer.headers["location"])
    assert str(location.copy_with(query=None)) == CALLBACK
    assert location.params["state"] == "state-123"
    assert location.params["iss"] == ISSUER
    assert len(location.params["code"]) >= 40


async def test_wrong_code_verifier_is_refused(issuer):
    code, _ = await code_for(issuer)
    other_verifier = "x" * 64
    answer = await issuer.post("/token", data=code_exchange(code, other_verifier))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


async def test_missing_code_verifier_is_refused(issuer):
    code, _ = await code_for(issuer)
    answer = await issuer.post("/token", data=code_exchange(code, ""))
    assert answer.json() == {"error": "invalid_request", "error_description": "code_verifier is required"}


async def test_pkce_is_required_and_only_s256(issuer):
    for overrides in ({"code_challenge": ""}, {"code_challenge_method": "plain"}, {"code_challenge_method": ""}):
        parameters, _ = authorization_parameters(**overrides)
        answer = await issuer.get("/authorize", params=parameters)
        assert answer.status_code == 303, overrides
        location = httpx.URL(answer.headers["location"])
        assert location.params["error"] == "invalid_request"
        assert "PKCE" in location.params["error_description"]
        assert location.params["state"] == "state-123"


async def test_state_and_nonce_are_required(issuer):
    for missing in ("state", "nonce"):
        parameters, _ = authorization_parameters(**{missing: ""})
        answer = await issuer.get("/authorize", params=parameters)
        assert httpx.URL(answer.headers["location"]).params["error"] == "invalid_request"


async def test_a_code_is_used_once(issuer):
    code, verifier = await code_for(issuer)
    assert (await issuer.post("/token", data=code_exchange(code, verifier))).status_code == 200
    again = await issuer.post("/token", data=code_exchange(code, verifier))
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_a_failed_redemption_burns_the_code(issuer):
    code, verifier = await code_for(issuer)
    assert (await issuer.post("/token", data=code_exchange(code, "y" * 64))).status_code == 400
    assert (await issuer.post("/token", data=code_exchange(code, verifier))).status_code == 400


async def test_a_code_expires(make_client):
    issuer = make_client(code_ttl_s=0.2)
    code, verifier = await code_for(issuer)
    await asyncio.sleep(0.3)
    answer = await issuer.post("/token", data=code_exchange(code, verifier))
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


async def test_a_code_is_bound_to_its_redirect_uri_and_client(issuer):
    code, verifier = await code_for(issuer)
    answer = await issuer.post("/token", data=code_exchange(code, verifier, redirect_uri="http://sourcing.test/other"))
    assert answer.json()["error"] == "invalid_grant"
    code, verifier = await code_for(issuer)
    answer = await issuer.post("/token", data=code_exchange(code, verifier, client_id="unefois-tendering"))
    assert answer.json()["error"] == "invalid_grant"


async def test_unregistered_redirect_uri_is_refused_without_redirecting(issuer):
    for redirect_uri in ("https://attacker.example/auth/callback", "http://sourcing.test/auth/callback/../x",
                         "http://sourcing.test/auth/callback?next=https://attacker.example"):
        parameters, _ = authorization_parameters(redirect_uri=redirect_uri)
        answer = await issuer.get("/authorize", params=parameters)
        assert answer.status_code == 400
        assert "location" not in answer.headers
        assert "Adresse de retour refusée" in answer.text
        # Nor can the form's POST be pointed elsewhere.
        posted = await issuer.post("/authorize", data={**parameters, "login": "acheteur@region-demo.fr",
                                                       "password": "unefois-dev"})
        assert posted.status_code == 400 and "location" not in posted.headers


async def test_unknown_client_is_refused(issuer):
    parameters, _ = authorization_parameters(client_id="unefois-attacker")
    answer = await issuer.get("/authorize", params=parameters)
    assert answer.status_code == 400 and "Application inconnue" in answer.text


async def test_a_session_at_the_issuer_skips_the_form_for_the_next_login(issuer):
    await code_for(issuer)  # logs in: the issuer's session cookie is now in the client
    parameters, _ = authorization_parameters(state="second")
    answer = await issuer.get("/authorize", params=parameters)
    assert answer.status_code == 303
    assert httpx.URL(answer.headers["location"]).params["state"] == "second"
    forced = await issuer.get("/authorize", params={**parameters, "prompt": "login"})
    assert forced.status_code == 200 and "<form" in forced.text


async def test_logout_ends_the_issuer_session_and_returns_only_to_registered_addresses(issuer):
    await code_for(issuer)
    answer = await issuer.get("/logout", params={"post_logout_redirect_uri": "http://sourcing.test/", "state": "s"})
    assert answer.status_code == 303 and answer.headers["location"] == "http://sourcing.test/?state=s"
    parameters, _ = authorization_parameters()
    assert (await issuer.get("/authorize", params=parameters)).status_code == 200  # the form again

    elsewhere = await issuer.get("/logout", params={"post_logout_redirect_uri": "https://attacker.example/"})
    assert elsewhere.status_code == 200 and "Vous êtes déconnecté" in elsewhere.text


async def test_userinfo_answers_for_a_valid_access_token_only(issuer):
    code, verifier = await code_for(issuer)
    token = (await issuer.post("/token", data=code_exchange(code, verifier))).json()["access_token"]
    info = await issuer.get("/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert info.status_code == 200
    assert info.json()["email"] == "acheteur@region-demo.fr"
    assert info.json()["org_siret"] == "20000001600010"
    refused = await issuer.get("/userinfo", headers={"Authorization": f"Bearer {token[:-4]}AAAA"})
    assert refused.status_code == 401 and "invalid_token" in refused.headers["www-authenticate"]
    assert (await issuer.get("/userinfo")).status_code == 401


async def test_unknown_grant_type_is_refused(issuer):
    answer = await issuer.post("/token", data={"grant_type": "client_credentials"})
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"


async def test_issuer_pages_carry_the_security_headers(issuer):
    parameters, _ = authorization_parameters()
    page = await issuer.get("/authorize", params=parameters)
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    # After the form, the browser follows a redirect to the application: form-action allows it.
    assert "form-action 'self' http://sourcing.test" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in page.headers  # plain HTTP


async def test_unknown_addresses_get_a_themed_page_in_a_browser_and_json_otherwise(issuer):
    page = await issuer.get("/nulle-part", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Page introuvable</h1>" in page.text and "/static/bootstrap/css/bootstrap.min.css" in page.text
    assert "content-security-policy" in page.headers
    api = await issuer.get("/nulle-part")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


async def test_refusals_before_the_form_are_themed_pages(issuer):
    parameters, _ = authorization_parameters(client_id="inconnu")
    page = await issuer.get("/authorize", params=parameters)
    assert page.status_code == 400 and "<h1>Application inconnue</h1>" in page.text
    assert "Erreur 400" in page.text and "/static/theme/theme.css?v=" in page.text


def test_hidden_fields_helper_reads_the_form():
    assert hidden_fields('<input type="hidden" name="a" value="1">') == {"a": "1"}
