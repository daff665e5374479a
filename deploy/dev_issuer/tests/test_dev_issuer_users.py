"""The seeded users and their passwords; the login form."""

import json
import re
from importlib import resources

from stdnum.fr import siret

from unefois_dev_issuer.app import role_label
from unefois_dev_issuer.users import PasswordBook, seeded_users
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.web.theme import deployment_theme

from dev_issuer_helpers import authorization_parameters, hidden_fields

BUYERS = {"20000001600010": "Région Démo-Alpes", "22000002000010": "Département du Val-Démo",
          "21000003000010": "Commune de Démoville (312 habitants)"}
SUPPLIERS = {"80000004400019": "Travaux Publics Rhodaniens SAS", "81000005900016": "Fournitures Scolaires du Centre SARL",
             "82000006500012": "Numérique Territorial SA", "83000007100019": "Entretien Espaces Verts SCOP"}


def test_seeded_organisations_and_roles():
    users = seeded_users()
    for number, name in BUYERS.items():
        members = users.of_organisation(number)
        assert sorted(role for user in members for role in user.roles) == ["buyer", "buyer-approver"]
        assert {user.org_name for user in members} == {name}
        assert {user.org_kind for user in members} == {"buyer"}
    for number, name in SUPPLIERS.items():
        (member,) = users.of_organisation(number)
        assert member.roles == ("supplier",) and member.org_name == name and member.org_kind == "supplier"
    (operator,) = users.by_role("operator")
    assert operator.org_kind == "platform"
    assert len(users.by_role("buyer")) == len(users.by_role("buyer-approver")) == 3
    assert users.by_login("Acheteur@Region-Demo.fr").org_siret == "20000001600010"


def test_every_siret_passes_the_luhn_check():
    for user in seeded_users():
        assert user.org_siret is None or siret.is_valid(user.org_siret), user


def test_subjects_are_stable_and_distinct():
    users = seeded_users()
    assert len({user.subject for user in users}) == len(users)
    assert users.by_login("acheteur@region-demo.fr").subject == "78768e69-c71f-59b7-9eab-c96087914e6f"


def test_the_users_file_holds_no_password():
    text = resources.files("unefois_dev_issuer").joinpath("users.json").read_text(encoding="utf-8")
    assert "unefois-dev\"" not in text and "password\"" not in text
    json.loads(text)


def test_password_book_checks_with_scrypt_and_keeps_no_clear_password():
    users = seeded_users()
    book = PasswordBook(users[:2], "s3cret-dev")
    assert book.check("acheteur@region-demo.fr", "s3cret-dev")
    assert book.check(" ACHETEUR@region-demo.fr ", "s3cret-dev")
    assert not book.check("acheteur@region-demo.fr", "s3cret-dev ")
    assert not book.check("nobody@example.fr", "s3cret-dev")
    assert b"s3cret-dev" not in repr(vars(book)).encode()
    salts = {salt for salt, _ in book._hashes.values()}
    assert len(salts) == 2  # one salt per user: equal passwords, different hashes


async def test_login_form_is_french_and_accessible(issuer):
    parameters, _ = authorization_parameters()
    page = await issuer.get("/authorize", params=parameters)
    html = page.text
    assert '<html lang="fr"' in html
    assert re.search(r'<label class="form-label" for="login">Adresse électronique\b', html)
    assert re.search(r'<label class="form-label" for="password">Mot de passe\b', html)
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert 'aria-describedby="login-messages"' in html and 'id="login-messages" aria-live="polite"' in html
    assert "acheteur@region-demo.fr" in html  # the seeded accounts are listed (development only)
    assert "ne jamais l’utiliser en production" in html
    assert "Connexion demandée par l’application <strong>Besoins</strong>" in html
    assert len(re.findall(r"<h1[ >]", html)) == 1


async def test_login_page_wears_the_services_theme(issuer):
    parameters, _ = authorization_parameters()
    html = (await issuer.get("/authorize", params=parameters)).text
    theme = deployment_theme()
    for href in ("/static/bootstrap/css/bootstrap.min.css", f"/static/theme/theme.css?v={theme.digest}",
                 "/static/unefois/css/unefois.css"):
        assert f'<link rel="stylesheet" href="{href}">' in html
        served = await issuer.get(href)
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/css"), href
    assert f'<span class="unefois-brand__name">{theme.name}</span>' in html  # the operator's name in the header
    if theme.logo_path:
        assert f'src="/static/theme/logo?v={theme.digest}"' in html
        assert (await issuer.get(f"/static/theme/logo?v={theme.digest}")).status_code == 200
    assert not re.search(r'class="[^"]*\bfr-', html) and "dsfr" not in html.lower()
    assert " style=" not in html and "<style" not in html and "<script>" not in html, "no inline style or script (CSP)"
    assert (await issuer.get("/static/issuer.css")).status_code == 404, "its own stylesheet is gone"


async def test_the_accounts_table_names_the_roles_in_french(issuer):
    parameters, _ = authorization_parameters()
    html = (await issuer.get("/authorize", params=parameters)).text
    table = html.split('<table class="table table-hover align-middle" id="utilisateurs">')[1].split("</table>")[0]
    rows = re.findall(r"<tr>\s*(.*?)\s*</tr>", table, re.S)[1:]
    cells = {re.findall(r"<td>(.*?)</td>", row)[0]: re.findall(r"<td>(.*?)</td>", row) for row in rows}
    assert len(cells) == len(seeded_users())
    assert cells["acheteur@region-demo.fr"] == ["acheteur@region-demo.fr", "Camille Martin", "Acheteur", "Région Démo-Alpes"]
    assert cells["valideur@region-demo.fr"][2] == "Acheteur valideur"
    assert cells["contact@tp-rhodaniens.fr"][2] == "Fournisseur"
    assert cells["exploitation@unefois.fr"][2] == "Exploitant"
    for raw in ("buyer", "buyer-approver", "supplier", "operator"):
        assert f"<td>{raw}</td>" not in table
    # The same words as the services' header (Principal.role_label).
    for role in Role:
        principal = Principal(subject="s", name="n", roles=frozenset({role}), org_siret=None, org_name=None,
                              org_kind=OrgKind.PLATFORM)
        assert role_label(role.value) == principal.role_label


async def test_login_errors_are_next_to_their_fields(issuer):
    parameters, _ = authorization_parameters()
    form = hidden_fields((await issuer.get("/authorize", params=parameters)).text)
    empty = await issuer.post("/authorize", data={**form, "login": "", "password": ""})
    assert empty.status_code == 400
    assert 'id="login-message-error">Saisissez votre adresse électronique.' in empty.text
    assert 'id="password-message-error">Saisissez votre mot de passe.' in empty.text
    assert 'is-invalid" type="email" id="login"' in empty.text and 'aria-invalid="true"' in empty.text
    # The error summary comes first and links to each field.
    summary = empty.text.split('id="erreurs"')[1].split("</div>")[0]
    assert "Le formulaire contient 2 erreurs à corriger" in summary
    assert '<a href="#login">Adresse électronique</a> : Saisissez votre adresse électronique.' in summary
    assert '<a href="#password">Mot de passe</a> : Saisissez votre mot de passe.' in summary
    assert 'role="alert"' in empty.text
    assert empty.text.index('id="erreurs"') < empty.text.index('<form')

    wrong = await issuer.post("/authorize", data={**form, "login": "acheteur@region-demo.fr", "password": "x"})
    assert wrong.status_code == 400
    assert 'id="password-message-error">Adresse électronique ou mot de passe incorrect.' in wrong.text
    assert 'value="acheteur@region-demo.fr"' in wrong.text  # what was typed is kept
    assert "location" not in wrong.headers


async def test_a_login_form_posted_from_elsewhere_is_refused(make_client):
    issuer = make_client()
    parameters, _ = authorization_parameters()
    form = hidden_fields((await issuer.get("/authorize", params=parameters)).text)
    issuer.cookies.clear()  # a cross-site form does not come with the issuer's form cookie
    answer = await issuer.post("/authorize", data={**form, "login": "acheteur@region-demo.fr",
                                                   "password": "unefois-dev"})
    assert answer.status_code == 400 and "location" not in answer.headers
    assert "Le formulaire a expiré" in answer.text


async def test_login_form_is_rate_limited(make_client):
    issuer = make_client(rate_limit_login="2/minute")
    parameters, _ = authorization_parameters()
    form = hidden_fields((await issuer.get("/authorize", params=parameters)).text)
    attempts = [await issuer.post("/authorize", data={**form, "login": "valideur@region-demo.fr", "password": "x"})
                for _ in range(3)]
    assert [a.status_code for a in attempts] == [400, 400, 429]
    assert int(attempts[-1].headers["retry-after"]) > 0
    assert attempts[-1].headers["content-type"].startswith("text/html")
    assert "Trop de tentatives de connexion : réessayez dans" in attempts[-1].text.split('id="erreurs"')[1]
