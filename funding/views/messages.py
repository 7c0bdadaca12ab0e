"""The validator's and services' messages as the pages show them, in the page's language."""

from __future__ import annotations

import re

from funding.money import format_eur, parse_cents

# The validator's fixed messages in Italian, the language the pages speak by default.
MESSAGES_IT = {
    "Missing data for required field.": "Campo obbligatorio.",
    "Must not be negative.": "Non può essere negativo.",
    "Amount is implausibly large (over 100 billion EUR).": "Importo non plausibile (oltre 100 miliardi di euro).",
    "Not a valid amount in EUR.": "Non è un importo in euro valido.",
    "Must be greater than zero.": "Deve essere maggiore di zero.",
    "Not a valid date (ISO 8601 expected).": "Data non valida (formato AAAA-MM-GG).",
    "Not a valid date.": "Data non valida (formato AAAA-MM-GG).",
    "Not a valid integer.": "Non è un numero intero valido.",
    "Not a valid http(s) URL.": "Non è un indirizzo http(s) valido.",
    "Not a valid percentage.": "Non è una percentuale valida.",
    "Must be more than 0% and at most 100%.": "Deve essere maggiore di 0% e al massimo 100%.",
    "The rate for non-profit applicants is below the line's rate.":
        "Il tasso per gli enti senza scopo di lucro è inferiore a quello della linea.",
    "The minimum grant is above the maximum grant.": "Il contributo minimo supera quello massimo.",
    "The maximum grant is above the line's total budget.": "Il contributo massimo supera la dotazione della linea.",
    "A deadline falls before the opening date.": "Una scadenza precede la data di apertura.",
    "A two-stage line has exactly two deadlines (first and second stage).":
        "Una linea a due fasi ha esattamente due scadenze (prima e seconda fase).",
    "A single-stage line has one deadline.": "Una linea a scadenza unica ha una sola scadenza.",
    "The minimum TRL is above the maximum TRL.": "Il TRL minimo supera il TRL massimo.",
    "Minimum partners given but no partnership is required.":
        "Numero minimo di partner indicato, ma il partenariato non è richiesto.",
    "A funding-line source names its funding line.": "Una fonte di tipo linea di finanziamento indica la linea.",
    "Only a funding-line source names a funding line.":
        "Solo una fonte di tipo linea di finanziamento indica una linea.",
    "Already in use.": "Già in uso.",
    "Not a participated company.": "Non è una società partecipata.",
    "Choose a file to upload.": "Scegliere un file da caricare.",
    "String does not match expected pattern.":
        "Lettere minuscole, cifre e trattini (almeno 2 caratteri), per esempio toscana-2026.",
    "Length must be between 1 and 300.": "Da 1 a 300 caratteri.",
    "Not a valid choice.": "Scelta non valida.",
    "Must be one of: csv, json, ft_portal.": "Uno tra: csv, json, ft_portal.",
    "No municipality in the plan.": "Nessun comune nel piano.",
    "A plan names at least one municipality with its projects.":
        "Un piano nomina almeno un comune con i suoi progetti: salvare prima i progetti di un comune.",
    "Some projects are not projects of this municipality.": "Alcuni progetti non sono progetti di questo comune.",
    "The lead company must be a participated company.": "La capofila deve essere una società partecipata.",
    "The funding line is not valid.": "La linea di finanziamento non è valida.",
    "The funding plan is not valid.": "Il piano di finanziamento non è valido.",
    "The standards adopted are not valid.": "Gli standard adottati non sono validi.",
    "The change was not saved.": "La modifica non è stata salvata.",
}
STATUS_FEMININE_IT = {"approved": "approvata", "superseded": "superata"}
PATTERNS_IT = [
    (re.compile(r"^Unknown value (.+); expected (?:one|any) of: (.+)$"), r"Valore sconosciuto \1; valori ammessi: \2"),
    (re.compile(r"^Longer than (\d+) characters\.$"), r"Più lungo di \1 caratteri."),
    (re.compile(r"^Must be between (\d+) and (\d+)\.$"), r"Deve essere tra \1 e \2."),
    (re.compile(r"^Unknown territory (.+)\.$"), r"Territorio sconosciuto \1."),
    (re.compile(r"^Not a valid date: (.+)\.$"), r"Data non valida: \1."),
    (re.compile(r"^No funding line (\d+)\.$"), r"Nessuna linea di finanziamento \1."),
    (re.compile(r"^Unknown project (\d+)\.$"), r"Progetto \1 sconosciuto."),
    (re.compile(r"^The funding plan totals (.+), above the project's cost of (.+)\.$"),
     lambda m: f"Il piano di finanziamento ammonta a {_eur_it(m[1])}, oltre il costo del progetto di {_eur_it(m[2])}."),
    (re.compile(r"^Version (\d+) of the plan is (\w+): start a new version to change it\.$"),
     lambda m: f"La versione {m[1]} del piano è {STATUS_FEMININE_IT.get(m[2], m[2])}: "
               "per cambiarla avviare una nuova versione."),
    (re.compile(r"^Version (\d+) is still a draft\.$"), r"La versione \1 è ancora in bozza: modificare quella."),
    (re.compile(r"^Plan (.+) exists: start a new version of it instead\.$"),
     r"Il piano \1 esiste già: avviarne una nuova versione."),
    (re.compile(r"^Funding line (\d+) already has identifier (.+)\.$"),
     r"La linea di finanziamento \1 ha già il codice \2."),
    (re.compile(r"^Operational plan (\d+) not found\.$"), r"Piano operativo \1 non trovato."),
]


def _eur_it(english: str) -> str:
    """An amount the services wrote in English (``EUR 1,234.50``) as Italian pages write it."""
    return format_eur(parse_cents(english.replace("EUR", "").strip(), decimal_comma=False), "it")


def _say(message: str, lang: str) -> str:
    if lang == "en":
        return message
    if message in MESSAGES_IT:
        return MESSAGES_IT[message]
    for pattern, replacement in PATTERNS_IT:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """A service's or marshmallow's (nested) messages as ``{"funding_plan.0.amount_cents": [...]}``."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            for name, texts in _flatten(value, f"{prefix}.{key}" if prefix else str(key)).items():
                flat.setdefault(name, []).extend(texts)
        return flat
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        return {prefix: list(messages)}
    return {prefix: [str(messages)]}


def _form_errors(messages, lang: str, rename: dict | None = None, rows: dict | None = None) -> dict[str, list[str]]:
    """Error messages keyed by the form's field names, in the page's language.

    ``rename`` maps API field names to the form's (``amount_cents`` -> ``amount``); ``rows`` maps each list
    (``milestones``) to the form rows its items came from, since blank rows are not sent to the service.
    """
    out: dict[str, list[str]] = {}
    for key, texts in _flatten(messages).items():
        parts = key.split(".")
        if rows and len(parts) > 1 and parts[0] in rows and parts[1].isdigit():
            index = int(parts[1])
            sent = rows[parts[0]]
            parts[1] = str(sent[index]) if index < len(sent) else parts[1]
        parts[-1] = (rename or {}).get(parts[-1], parts[-1])
        out.setdefault(".".join(parts), []).extend(_say(t, lang) for t in texts)
    return out

