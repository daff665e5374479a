"""Deadlines in days, computed as the law computes them.

The minimum time limits of the formal procedures (R2161-x) transpose directive 2014/24/EU, whose
periods follow règlement (CEE, Euratom) n° 1182/71 of 3 June 1971 (text checked, as quoted in EU
acts: « si le dernier jour d'un délai exprimé autrement qu'en heures est un jour férié, un dimanche
ou un samedi, le délai prend fin à l'expiration de la dernière heure du jour ouvrable suivant »,
art. 3 §4). That the day of sending is not counted (the regulation's art. 3 §1, whose text was
not read here) is the reading practitioners give of « à compter de la date d'envoi de l'avis »
(délais francs, running from the next day); the days inside the period (Saturdays, Sundays,
holidays) all count. So: the period of `days` days starts the day after
`sent_on` and ends at the end of its last day; when that day is a Saturday, a Sunday or a public
holiday, it ends at the end of the next working day.

Not applied: art. 3 §5 of the regulation (a period of two days or more includes at least two
working days), irrelevant to the code's minima of 10 days or more. The same rule is applied to the
MAPA suggestion, which the code leaves to the buyer (R2143-1, R2151-1).

Public holidays: the eleven French public holidays of the maintained `holidays` library
(metropolitan France, national list). Local holidays (Alsace-Moselle's 26 December and Good
Friday, overseas abolition days) are not counted: the platform does not know where the buyer
sits; a buyer there adds its own day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from .errors import RulesError

SATURDAY = 5


@lru_cache(maxsize=64)
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a French public holiday."""
    return day.weekday() < SATURDAY and day not in _french_holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the next one (Saturday, Sunday and French public
    holidays skipped; règlement n° 1182/71 art. 3 §4)."""
    day = _as_date(day, "day")
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def minimum_deadline(sent_on: date, days: int) -> date:
    """The earliest day a period of `days` days from `sent_on` can end: `sent_on` not counted, the
    last day moved to the next working day when it is a Saturday, a Sunday or a public holiday
    (règlement n° 1182/71 art. 3 §1 and §4). The deadline may be set at the end of that day at the
    earliest."""
    sent_on = _as_date(sent_on, "sent_on")
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise RulesError("Nombre de jours entier positif ou nul attendu.", field="days")
    return next_working_day(sent_on + timedelta(days=days))


def _as_date(value: object, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise RulesError("Date attendue.", field=field)
    return value
