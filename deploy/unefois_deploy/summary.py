"""What `make up` prints once the platform is up: the URLs, the demo purchases by buyer, the
seeded logins. Plain lines that fit an 80-column terminal (nothing for a table to wrap)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WIDTH = 80
ROLE_LABELS = {  # as the pages say it (unefois_kernel.auth.principal.Principal.role_label)
    "buyer": "acheteur",
    "buyer-approver": "acheteur valideur",
    "supplier": "fournisseur",
    "operator": "exploitant",
}


@dataclass(frozen=True)
class DemoPurchase:
    buyer: str
    object: str
    contract_number: str | None = None  # None when the demo was loaded by an earlier `up`
    contract_id: str | None = None


def wrap_words(text: str, indent: int = 0, *, first_indent: int | None = None) -> list[str]:
    """Word-wrap `text` under WIDTH columns; the first line at `first_indent` (default: the
    same as the others), the next ones at `indent`. Words (URLs, logins) are never cut."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        margin = indent if lines else (indent if first_indent is None else first_indent)
        candidate = f"{line} {word}" if line else word
        if line and margin + len(candidate) >= WIDTH:
            lines.append(" " * margin + line)
            line = word
        else:
            line = candidate
    lines.append(" " * (indent if lines or first_indent is None else first_indent) + line)
    return lines


def _fit(text: str, indent: int) -> list[str]:
    return wrap_words(text, indent)


def service_lines(urls: dict[str, str], issuer_url: str, mail_url: str | None = None) -> list[str]:
    lines = ["The platform is up. Each service serves its pages at /, its API docs at",
             "/docs (Swagger UI, offline) and its Kafka channels at /asyncapi.json:"]
    for stage, url in urls.items():
        lines.append(f"  {stage:<10} {url}/")
    lines.append(f"  {'identity':<10} {issuer_url}/  (development sign-in)")
    if mail_url:
        lines.append(f"  {'mail':<10} {mail_url}/  (caught mails, none sent)")
    if "opendata" in urls:
        lines.append(f"Public DECP (open data): {urls['opendata']}/api/decp")
    if "sourcing" in urls:
        lines.append(f"API docs, e.g.: {urls['sourcing']}/docs")
        lines.append(f"AsyncAPI, e.g.: {urls['sourcing']}/asyncapi.json")
    return lines


def demo_lines(purchases: Sequence[DemoPurchase], urls: dict[str, str]) -> list[str]:
    if not purchases:
        return []
    lines = ["Demo purchases, one per buyer, each entered once and carried to open data:"]
    for purchase in purchases:
        lines.append(f"  {purchase.buyer}")
        lines.extend(_fit(purchase.object, 4))
        if purchase.contract_number:
            lines.append(f"    contract {purchase.contract_number}")
        if purchase.contract_id and "opendata" in urls:
            lines.append(f"    {urls['opendata']}/api/decp/{purchase.contract_id}")
    return lines


def login_lines(users: Iterable, password_note: str) -> list[str]:
    lines = [f"Seeded logins (sign in at any service; {password_note}):"]
    by_org: dict[str, list] = {}
    for user in users:
        by_org.setdefault(user.org_name, []).append(user)
    for org, members in by_org.items():
        lines.append(f"  {org}")
        for user in members:
            roles = ", ".join(ROLE_LABELS.get(role, role) for role in user.roles)
            lines.append(f"    {user.login:<34} {roles}")
    return lines
