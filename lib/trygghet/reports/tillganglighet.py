"""Tillgänglighetsredogörelse — the accessibility statement of the residents' pages: the report module of
``notebooks/tillganglighet.ipynb``, published beside *Tryggare <kommun>* (the run plan's ``html``; the name from the store).

The law on accessible digital public services (*lagen om tillgänglighet till digital offentlig service*,
DOS-lagen; in practice EN 301 549, i.e. WCAG 2.1 AA) asks every public web page for a statement in the
structure the supervising authority (Digg) gives: how accessible the pages are, what to do when
something cannot be used, how to report a shortcoming, the supervision, the technical compliance status,
the content that is not accessible, and how the pages were tested.

What this module states is what the project measures: the test suite runs axe-core (WCAG 2.1 A and AA
rules) and a 390 px phone-width check on every published page. Automatic tests find only part of the
shortcomings and no one has audited the pages by hand against every criterion, so the pages are called
*delvis förenliga* (partly compliant) with the known shortcomings listed in :data:`KNOWN_ISSUES` — edit
that list (and the run plan's ``reviewed`` date) when a review finds or fixes something.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from IPython.display import HTML

from trygghet.data.errors import ParameterError
from trygghet.reports import format as fmt
from trygghet.reports.common import genitive, municipality_name, police_area, start_report
from trygghet.reports.record import glue

__all__ = ["STATUS", "KNOWN_ISSUES", "SUPERVISION_URL", "start", "intro", "contact_text", "report_text",
           "supervision_text", "compliance_text", "issues_text", "exemptions_text", "testing_text"]

#: the compliance status, in the statement's words (Digg: helt / delvis / inte förenlig)
STATUS = "delvis förenliga"
#: known shortcomings (what a reader meets, and which WCAG 2.1 criterion it concerns)
KNOWN_ISSUES = (
    "Sidorna har inte granskats manuellt mot alla kriterier i WCAG 2.1 nivå AA. Automatiska tester hittar bara "
    "en del av de brister som kan finnas, till exempel inte om en text är begriplig eller om en tabell går att "
    "förstå med skärmläsare.",
    "Sidfoten (”Om rapporten”) innehåller tekniska uppgifter om hur sidan togs fram, som kodversion och "
    "fingeravtryck för data. De är inte skrivna i klarspråk.",
    "Sidorna finns bara på svenska. Det finns ingen version på lättläst svenska, på teckenspråk eller på de "
    "nationella minoritetsspråken.",
)
#: where a resident reports to the supervising authority
SUPERVISION_URL = "https://www.digg.se/tdosanmalan"
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[a-z]{2,}$", re.I)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def start(store: str | Path | None, year: int, lang: str = "sv", contact: str = "", reviewed: str = "") -> None:
    """The page's first call: the one parameter check, and the contact address and review date checked
    (an e-mail address; a date YYYY-MM-DD)."""
    start_report(store, year, lang, where="tillganglighet")
    if contact and not _EMAIL.match(str(contact)):
        raise ParameterError(f"tillganglighet: contact {contact!r} is not an e-mail address; set the run plan's "
                             "'contact' (under municipalities: \"<code>\") to the address residents write to")
    if not _DATE.match(str(reviewed)):
        raise ParameterError(f"tillganglighet: reviewed {reviewed!r} is not a date (YYYY-MM-DD); set the run plan's "
                             "'reviewed' to the day the pages were last assessed")


def intro(store: str | Path | None) -> HTML:
    """Who stands behind the pages and what the statement is: the store's municipality and the police (with
    its local police area where one is known, :func:`trygghet.reports.common.police_area`)."""
    name, area = html.escape(municipality_name(store)), html.escape(police_area(store))
    return HTML(f"<p>{name} kommun och Polisen{f' ({area})' if area else ''} står bakom sidorna "
                f"<a href=\"index.html\">Tryggare {name}</a>. Vi vill att "
                "så många som möjligt ska kunna läsa och använda dem. Här beskriver vi hur sidorna uppfyller lagen om "
                "tillgänglighet till digital offentlig service, vilka brister vi känner till och hur du kan "
                "meddela oss om problem, så att vi kan rätta till dem.</p>")


def contact_text(contact: str, store: str | Path | None = None) -> HTML:
    """What to do when a part of the pages cannot be used: the contact address (without one, the
    municipality by name: :func:`_to_whom`)."""
    mail = _to_whom(contact, store)
    return HTML("<p>Om du behöver innehållet i en annan form, till exempel som vanlig text, uppläst eller förklarat, "
                f"kan du skriva {mail}. Skriv vilken sida det gäller och hur du vill få innehållet. "
                "Vi svarar så snart vi kan.</p>")


def report_text(contact: str, store: str | Path | None = None) -> HTML:
    """How to report a shortcoming."""
    return HTML("<p>Vi försöker hela tiden göra sidorna mer tillgängliga. Om du upptäcker problem som inte beskrivs "
                "här, eller om du tycker att vi inte uppfyller lagens krav, skriv "
                f"{_to_whom(contact, store)} så att vi får veta att problemet finns.</p>")


def supervision_text() -> HTML:
    """The supervising authority and how to complain to it."""
    return HTML("<p>Myndigheten för digital förvaltning (Digg) har ansvar för tillsyn över lagen om tillgänglighet "
                "till digital offentlig service. Om du inte är nöjd med hur vi har tagit hand om dina synpunkter kan "
                f"du <a href=\"{SUPERVISION_URL}\">anmäla det till Digg</a>.</p>")


def compliance_text() -> HTML:
    """The technical compliance status; records ``status``."""
    glue("status", STATUS)
    return HTML(f"<p>Sidorna är <strong>{STATUS}</strong> med lagen om tillgänglighet till digital offentlig "
                "service, på grund av de brister som beskrivs nedan. Lagen hänvisar till standarden EN 301 549, som "
                "bygger på riktlinjerna WCAG 2.1 nivå AA.</p>")


def issues_text() -> HTML:
    """The content that is not accessible (:data:`KNOWN_ISSUES`); records ``issues``."""
    glue("issues", list(KNOWN_ISSUES))
    return HTML("<ul>" + "".join(f"<li>{html.escape(t, quote=False)}</li>" for t in KNOWN_ISSUES) + "</ul>")


def exemptions_text() -> HTML:
    """Content exempted from the law's requirements (none)."""
    return HTML("<p>Vi har inte undantagit något innehåll på sidorna från lagens krav, varken för att en anpassning "
                "skulle vara oskäligt betungande eller för att innehållet inte omfattas av lagen.</p>")


def testing_text(reviewed: str, year: int, updated: dt.date | None = None) -> HTML:
    """How the pages were tested (self-assessment), when they were last assessed (``reviewed``) and
    when the statement was last updated (``updated``, default today: it is rebuilt with every
    publication); records ``reviewed``."""
    glue("reviewed", str(reviewed))
    updated = updated or dt.date.today()
    return HTML("<p>Vi har granskat sidorna själva (självskattning). Programmet som bygger sidorna testas "
                "automatiskt: testerna bygger sidorna med exempeldata och kontrollerar dem med verktyget axe-core mot "
                "reglerna i WCAG 2.1 nivå A och AA, och att de går att läsa på en mobilskärm som är 390 pixlar bred "
                "utan att man behöver skrolla i sidled. Sidorna har inga kartor och inga diagram; alla siffror står i "
                "text och tabeller.</p>"
                f"<p>Sidorna för {int(year)} bedömdes senast den {fmt.date(str(reviewed))}. Redogörelsen "
                f"uppdaterades senast den {fmt.date(updated)}, när sidorna publicerades.</p>")


def _mail(contact: str) -> str:
    address = html.escape(str(contact), quote=True)
    return f"<a href=\"mailto:{address}\">{address}</a>"


def _to_whom(contact: str, store: str | Path | None) -> str:
    """Where residents write, as the words after "skriv": "till oss på <address>", or — when the run plan
    gives no address for this municipality — "till Piteå kommuns kontaktcenter" (never another's address)."""
    if contact:
        return f"till oss på {_mail(contact)}"
    return f"till {html.escape(genitive(municipality_name(store) + ' kommun'))} kontaktcenter"
