"""Opening of the bids and admissibility (pure: no I/O).

After the bid deadline by the service clock, the buyer opens the consultation's bids: the
consultation's private key is unwrapped once (bids.service.unwrap_for_opening, audited), every
deposit « reçu » that is not a backup copy is decrypted (its BidForm validated, its files stored
in plaintext), the late and replaced deposits and the backup copies are listed, never opened; the
opening is recorded (« procès-verbal d'ouverture des plis ») and the consultation becomes
« plis ouverts ». Then the buyer decides each bid's admissibility (L2152-1 to L2152-4).

What the evaluation reads (`uow.repos.opened_bids`): `for_lot(consultation_id, lot_number)` ->
evaluations.domain.OpenedBid per readable opened bid (admissible True while the buyer has not
decided or decided « admissible »; False with the ground and reason once « irrégulière »,
« inacceptable » or « inappropriée »); `get(bid_id)` -> OpenedBidRecord; `received_count(...)`.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_rules.award import RejectionGround

from unefois_tendering.bids.domain import (
    BACKUP_OPENING_CASE_LABELS,
    BackupOpeningCase,
    BidForm,
    Deposit,
    DepositStatus,
    PartRole,
    _paris_moment,
)
from unefois_tendering.evaluations.domain import OpenedBid

OPENED_FILE_KIND = "opened_bid_file"
MAX_REASON = 2000


class Admissibility(StrEnum):
    PENDING = "pending"  # not decided yet
    ADMISSIBLE = "admissible"  # régulière, acceptable et appropriée
    IRREGULAR = "irregular"  # irrégulière (L2152-2)
    UNACCEPTABLE = "unacceptable"  # inacceptable (L2152-3)
    INAPPROPRIATE = "inappropriate"  # inappropriée (L2152-4)


ADMISSIBILITY_LABELS = {
    Admissibility.PENDING: "À examiner",
    Admissibility.ADMISSIBLE: "Admissible (régulière, acceptable et appropriée)",
    Admissibility.IRREGULAR: "Irrégulière",
    Admissibility.UNACCEPTABLE: "Inacceptable",
    Admissibility.INAPPROPRIATE: "Inappropriée",
}

# The definitions, code de la commande publique (checked against the article texts):
ADMISSIBILITY_EXPLANATIONS = {
    Admissibility.IRREGULAR: (
        "Art. L2152-2 : une offre irrégulière est une offre qui ne respecte pas les exigences formulées dans les "
        "documents de la consultation, en particulier parce qu’elle est incomplète, ou qui méconnaît la "
        "législation applicable notamment en matière sociale et environnementale. Art. R2152-1 : en appel "
        "d’offres et en procédure adaptée sans négociation, les offres irrégulières, inappropriées ou inacceptables "
        "sont éliminées ; dans les autres procédures, les offres irrégulières ou inacceptables peuvent devenir "
        "régulières ou acceptables au cours de la négociation ou du dialogue, à condition qu’elles ne soient pas "
        "anormalement basses. Art. R2152-2 : dans toutes les procédures, l’acheteur peut autoriser tous les "
        "soumissionnaires concernés à régulariser les offres irrégulières dans un délai approprié, à condition "
        "qu’elles ne soient pas anormalement basses ; la régularisation ne peut pas en modifier des "
        "caractéristiques substantielles. La plateforme ne décide pas si une offre est régularisable : c’est à "
        "l’acheteur d’en juger, pour tous les soumissionnaires concernés."),
    Admissibility.UNACCEPTABLE: (
        "Art. L2152-3 : une offre inacceptable est une offre dont le prix excède les crédits budgétaires alloués "
        "au marché, déterminés et établis avant le lancement de la procédure."),
    Admissibility.INAPPROPRIATE: (
        "Art. L2152-4 : une offre inappropriée est une offre sans rapport avec le marché parce qu’elle n’est "
        "manifestement pas en mesure, sans modification substantielle, de répondre au besoin et aux exigences de "
        "l’acheteur formulés dans les documents de la consultation."),
}

_GROUND = {Admissibility.IRREGULAR: RejectionGround.IRREGULAR,
           Admissibility.UNACCEPTABLE: RejectionGround.UNACCEPTABLE,
           Admissibility.INAPPROPRIATE: RejectionGround.INAPPROPRIATE}


class OpenedState(StrEnum):
    OPENED = "opened"  # decrypted, its bid form valid
    UNREADABLE = "unreadable"  # « illisible »: could not be decrypted or its bid form is invalid


@dataclass(frozen=True)
class OpenedFile:
    role: PartRole
    filename: str
    document_id: uuid.UUID | None  # None: refused after decryption (see `refused`)
    sha256: str | None
    size: int
    refused: str | None = None  # why the decrypted file was not kept (type refused...)


@dataclass(frozen=True)
class OpenedBidRecord:
    """One opened deposit (its id is the deposit's)."""

    bid_id: uuid.UUID  # the deposit id
    tenant: str
    consultation_id: uuid.UUID
    lot_number: int | None
    supplier_siret: str
    supplier_name: str
    state: OpenedState
    bid_form: BidForm | None  # None when unreadable
    price: Decimal | None
    files: tuple[OpenedFile, ...]
    receipt_hash: str | None
    opened_at: datetime
    problem: str | None = None  # why unreadable
    backup: bool = False  # a backup copy opened in place of the main bid
    backup_case: BackupOpeningCase | None = None
    backup_reason: str | None = None
    replaces_bid_id: uuid.UUID | None = None  # the main bid the backup copy stands for
    admissibility: Admissibility = Admissibility.PENDING
    admissibility_reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    @property
    def bidder_name(self) -> str:
        if self.bid_form is not None:
            mandataire = next((m for m in self.bid_form.members if m.mandataire), self.bid_form.members[0])
            if self.bid_form.grouping.value != "none":
                return f"Groupement {mandataire.name} (mandataire)"
            return mandataire.name
        return self.supplier_name

    @property
    def bidder_identifier(self) -> str:
        if self.bid_form is not None:
            mandataire = next((m for m in self.bid_form.members if m.mandataire), self.bid_form.members[0])
            return mandataire.identifier
        return self.supplier_siret

    def as_opened_bid(self) -> OpenedBid | None:
        """What the evaluation ranks: None for an unreadable bid (no price)."""
        if self.state is not OpenedState.OPENED or self.price is None:
            return None
        admissible = self.admissibility in (Admissibility.PENDING, Admissibility.ADMISSIBLE)
        return OpenedBid(bid_id=self.bid_id, bidder_name=self.bidder_name, bidder_identifier=self.bidder_identifier,
                         price=self.price, admissible=admissible,
                         inadmissible_ground=None if admissible else _GROUND[self.admissibility],
                         inadmissible_reason=None if admissible else self.admissibility_reason)


def opened_bids_of(records: list[OpenedBidRecord]) -> list[OpenedBid]:
    """The lot's bids the evaluation ranks: readable ones, less those a backup copy replaces."""
    replaced = {r.replaces_bid_id for r in records if r.backup and r.replaces_bid_id is not None}
    return [bid for bid in (r.as_opened_bid() for r in records if r.bid_id not in replaced) if bid is not None]


# ---------------------------------------------------------------- what is opened

@dataclass(frozen=True)
class OpeningPlan:
    to_open: tuple[Deposit, ...]  # received, not backup copies
    late: tuple[Deposit, ...]  # « hors délai, non ouvert »
    replaced: tuple[Deposit, ...]  # « remplacé, non ouvert »
    backups: tuple[Deposit, ...]  # « copie de sauvegarde non ouverte »
    in_progress: tuple[Deposit, ...]  # begun, never completed: nothing received


def plan_opening(deposits: list[Deposit]) -> OpeningPlan:
    def pick(test) -> tuple[Deposit, ...]:
        return tuple(d for d in deposits if test(d))
    return OpeningPlan(
        to_open=pick(lambda d: d.status is DepositStatus.RECEIVED and not d.backup),
        late=pick(lambda d: d.status is DepositStatus.LATE and not d.backup),
        replaced=pick(lambda d: d.status is DepositStatus.REPLACED and not d.backup),
        backups=pick(lambda d: d.backup and d.status is not DepositStatus.IN_PROGRESS),
        in_progress=pick(lambda d: d.status is DepositStatus.IN_PROGRESS))


def check_can_open(*, status: str, bid_deadline: datetime | None, now: datetime) -> None:
    """Refused before the deadline (whoever asks), and once opened."""
    if bid_deadline is None:
        raise DomainError("Cette consultation n’a pas de date limite de remise des offres : elle n’est pas publiée.",
                          field="bid_deadline", status=409)
    if now < bid_deadline:
        raise DomainError(
            f"Les plis ne peuvent pas être ouverts avant la date limite de remise des offres (bid_deadline) : le "
            f"{_paris_moment(bid_deadline)} (heure de Paris). Il est {_paris_moment(now)}.",
            field="bid_deadline", status=409)
    if status not in ("published", "closed"):
        raise DomainError("Les plis de cette consultation sont déjà ouverts, ou elle n’est plus en cours "
                          f"(statut {status}).", field="status", status=409)


def parse_bid_form(plaintext: bytes) -> tuple[BidForm | None, str | None]:
    """The decrypted bid form, or why it is unreadable (French)."""
    try:
        return BidForm.model_validate_json(plaintext), None
    except ValueError as error:
        first = str(error).splitlines()
        detail = " ; ".join(line.strip() for line in first[1:4]) or str(error)
        return None, f"Formulaire d’offre invalide après déchiffrement : {detail[:500]}"


def lot_mismatch(form: BidForm, deposit: Deposit) -> str | None:
    if form.lot_number != deposit.lot_number:
        return (f"Le formulaire d’offre déchiffré vise le lot {form.lot_number}, le dépôt le lot "
                f"{deposit.lot_number} : offre illisible.")
    return None


# ---------------------------------------------------------------- backup copies

def check_backup_request(*, case: str | None, reason: str | None, main: OpenedBidRecord | None,
                         main_deposit: Deposit | None, backup: Deposit, deadline: datetime) -> BackupOpeningCase:
    """A backup copy is opened only in a case of the arrêté du 22 mars 2019 (annexe 6 du code,
    art. 2; R2132-11), with a reason: a malicious program detected (declared by the buyer: the
    platform does not scan), the main bid received incomplete, late or unopenable, its
    transmission begun before the deadline."""
    errors: list[dict[str, str]] = []
    try:
        chosen = BackupOpeningCase(case or "")
    except ValueError:
        errors.append({"field": "case", "reason": "Choisissez l’un des cas d’ouverture de la copie de sauvegarde (arrêté du 22 mars 2019, art. 2)."})
        chosen = None
    if not (reason or "").strip():
        errors.append({"field": "reason", "reason": "Indiquez pourquoi la copie de sauvegarde est ouverte."})
    elif len(reason) > MAX_REASON:
        errors.append({"field": "reason", "reason": f"{MAX_REASON} caractères au plus."})
    if backup.status is not DepositStatus.RECEIVED or not backup.backup:
        errors.append({"field": "backup_id", "reason": "Seule une copie de sauvegarde reçue dans le délai peut être ouverte (R2132-11)."})
    if errors:
        raise InvalidFields(errors)
    assert chosen is not None
    if chosen is BackupOpeningCase.COULD_NOT_BE_OPENED:
        if main is None or (main.state is not OpenedState.UNREADABLE and not any(f.refused for f in main.files)):
            raise DomainError("L’offre électronique de ce soumissionnaire a été ouverte et est lisible : ce cas "
                              "ne s’applique pas.", field="case", status=422)
    elif chosen is BackupOpeningCase.RECEIVED_LATE:
        if main_deposit is None or main_deposit.status is not DepositStatus.LATE or main_deposit.begun_at >= deadline:
            raise DomainError("Ce soumissionnaire n’a pas d’offre électronique reçue hors délai dont la transmission "
                              "a commencé avant la date limite : ce cas ne s’applique pas.", field="case", status=422)
    elif main is None and main_deposit is None:  # malware declared, or received incomplete
            raise DomainError("Ce soumissionnaire n’a pas d’offre électronique pour ce lot : ce cas ne s’applique "
                              "pas.", field="case", status=422)
    return chosen


BACKUP_CASES = BACKUP_OPENING_CASE_LABELS


# ---------------------------------------------------------------- admissibility

def decide_admissibility(record: OpenedBidRecord, *, decision: str | None, reason: str | None, by: str,
                         at: datetime) -> OpenedBidRecord:
    errors: list[dict[str, str]] = []
    try:
        chosen = Admissibility(decision or "")
        if chosen is Admissibility.PENDING:
            raise ValueError
    except ValueError:
        errors.append({"field": "admissibility", "reason": "Choisissez : admissible, irrégulière, inacceptable ou inappropriée."})
        chosen = None
    reason = (reason or "").strip()
    if chosen is not None and chosen is not Admissibility.ADMISSIBLE and not reason:
        errors.append({"field": "reason", "reason": "Indiquez pourquoi l’offre est écartée (motif communiqué au soumissionnaire)."})
    if len(reason) > MAX_REASON:
        errors.append({"field": "reason", "reason": f"{MAX_REASON} caractères au plus."})
    if record.state is not OpenedState.OPENED:
        errors.append({"field": "admissibility", "reason": "Cette offre est illisible : ouvrez sa copie de sauvegarde si un cas le permet."})
    if errors:
        raise InvalidFields(errors)
    return dataclasses.replace(record, admissibility=chosen, admissibility_reason=reason or None, decided_by=by,
                               decided_at=at)


# ---------------------------------------------------------------- missing candidate documents (R2144-2)

class RequestStatus(StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"
    UNANSWERED = "unanswered"  # « délai de complément passé » without an answer


REQUEST_STATUS_LABELS = {RequestStatus.PENDING: "En attente", RequestStatus.ANSWERED: "Complétée",
                         RequestStatus.UNANSWERED: "Délai passé sans réponse"}
R2144_2 = ("Art. R2144-2 : l’acheteur qui constate que des pièces ou informations dont la présentation était "
           "réclamée au titre de la candidature sont absentes ou incomplètes peut demander à tous les candidats "
           "concernés de compléter leur dossier de candidature dans un délai approprié et identique pour tous.")


@dataclass(frozen=True)
class AnsweredDocument:
    code: str
    filename: str
    document_id: uuid.UUID
    sha256: str
    size: int
    at: datetime


@dataclass(frozen=True)
class DocumentRequest:
    id: uuid.UUID
    tenant: str
    consultation_id: uuid.UUID
    bid_id: uuid.UUID
    supplier_siret: str
    documents: tuple[str, ...]
    message: str
    deadline: datetime
    requested_by: str
    requested_at: datetime
    status: RequestStatus = RequestStatus.PENDING
    answers: tuple[AnsweredDocument, ...] = ()
    answered_at: datetime | None = None


def new_document_request(record: OpenedBidRecord, *, required: tuple[str, ...], documents: list[str],
                         message: str | None, deadline: datetime | None, by: str, now: datetime,
                         same_deadline: datetime | None) -> DocumentRequest:
    """A request to complete a candidature (R2144-2): documents the consultation required, a
    deadline after now; `same_deadline`: the deadline already given to the other candidates of
    this consultation (« identique pour tous »)."""
    errors: list[dict[str, str]] = []
    unknown = [code for code in documents if code not in required]
    if not documents:
        errors.append({"field": "documents", "reason": "Choisissez au moins une pièce à compléter."})
    elif unknown:
        errors.append({"field": "documents", "reason": "Seules les pièces de candidature demandées par la "
                                                       f"consultation peuvent l’être : {', '.join(unknown)}."})
    if deadline is None or deadline <= now:
        errors.append({"field": "deadline", "reason": "Fixez une date limite de complément à venir."})
    elif same_deadline is not None and deadline != same_deadline:
        errors.append({"field": "deadline", "reason": "Le délai de complément est identique pour tous les candidats "
                                                      f"(R2144-2) : le {_paris_moment(same_deadline)}."})
    if len(message or "") > MAX_REASON:
        errors.append({"field": "message", "reason": f"{MAX_REASON} caractères au plus."})
    if errors:
        raise InvalidFields(errors)
    assert deadline is not None
    return DocumentRequest(id=uuid.uuid4(), tenant=record.tenant, consultation_id=record.consultation_id,
                           bid_id=record.bid_id, supplier_siret=record.supplier_siret,
                           documents=tuple(dict.fromkeys(documents)), message=(message or "").strip(),
                           deadline=deadline, requested_by=by, requested_at=now)


def check_answer(request: DocumentRequest, code: str, now: datetime) -> None:
    if request.status is not RequestStatus.PENDING or now >= request.deadline:
        raise DomainError(f"Le délai de complément est passé (le {_paris_moment(request.deadline)}) : la pièce "
                          "n’est plus reçue.", field="deadline", status=409)
    if code not in request.documents:
        raise DomainError("Cette pièce n’a pas été demandée.", field="code", status=422)
