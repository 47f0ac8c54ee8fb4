"""'Did you mean' for every name a user types: tools, capabilities, categories, sectors, goals.

Tools are looked up by id, product name and alias together (Sendinblu -> brevo, not sendible),
then, when nothing is close, among the tools whose facts mention the word (Gmail ->
google-workspace). Taxonomy ids are looked up by id and by their English and French labels
(emailing -> email-campaigns, comptabilite -> accounting, restauration ->
restaurant-hospitality), with a few everyday words a facilitator uses that no label holds.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .text import fold

if TYPE_CHECKING:  # pragma: no cover
    from .catalog import Catalog
    from .taxonomy import Taxonomy

TOOL_CUTOFF = 0.75
LOOSE_CUTOFF = 0.6  # a typo of a long name (hubspto -> hubspot-crm), when nothing mentions it
TERM_CUTOFF = 0.75

# everyday words (folded) -> taxonomy id, where no English or French label holds the word
SYNONYMS: dict[str, dict[str, str]] = {
    "capabilities": {
        "emailing": "email-campaigns", "e-mailing": "email-campaigns", "mailing":
        "email-campaigns", "newsletter": "email-campaigns", "newsletters": "email-campaigns",
        "sms": "sms-campaigns", "avis": "review-collection", "avis clients": "review-collection",
        "rdv": "appointment-booking", "prise de rendez-vous": "appointment-booking",
        "rendez-vous": "appointment-booking", "fidelite": "loyalty-program",
        "fidelisation": "loyalty-program", "devis": "quotes-invoicing",
        "factures": "invoicing", "compta": "accounting", "caisse": "point-of-sale",
        "site": "website-builder", "site web": "website-builder",
        "site internet": "website-builder", "boutique": "online-store",
        "e-boutique": "online-store", "referencement local": "local-seo",
        "fiche google": "listings-management", "google my business": "listings-management",
        "chat": "live-chat", "faq": "knowledge-base", "sav": "ticketing",
        "prospection": "lead-enrichment", "standard telephonique": "cloud-telephony",
    },
    "categories": {
        "reseaux sociaux": "social-media-management", "social media": "social-media-management",
        "referencement": "seo", "pub": "advertising", "publicite": "advertising",
        "site web": "website-builder", "e-commerce": "ecommerce", "comptabilite":
        "accounting-invoicing", "rgpd": "privacy-compliance", "cookies": "consent-management",
    },
    "sectors": {
        "comptabilite": "professional-services", "expert comptable": "professional-services",
        "cabinet comptable": "professional-services", "avocat": "professional-services",
        "juridique": "professional-services", "restaurant": "restaurant-hospitality",
        "restauration": "restaurant-hospitality", "hotel": "restaurant-hospitality",
        "hotellerie": "restaurant-hospitality", "cafe": "restaurant-hospitality",
        "boulangerie": "food-retail", "epicerie": "food-retail", "commerce": "retail",
        "librairie": "retail", "boutique": "retail", "coiffure": "beauty",
        "esthetique": "beauty", "institut": "beauty", "garage": "automotive",
        "btp": "construction-trades", "artisan": "construction-trades",
        "artisanat": "construction-trades", "batiment": "construction-trades",
        "formation": "education-training", "ecole": "education-training",
        "association": "nonprofit", "asso": "nonprofit", "gite": "tourism",
        "camping": "tourism", "vin": "agriculture", "viticulture": "agriculture",
        "industrie": "manufacturing", "transport": "logistics", "sante": "health-wellness",
        "assurance": "finance-insurance", "banque": "finance-insurance",
        "saas": "software-tech", "startup": "software-tech", "tech": "software-tech",
        "agence": "agency", "immobilier": "real-estate", "culture": "arts-culture",
    },
    "goals": {
        "fidelisation": "customer-retention", "fideliser": "customer-retention",
        "notoriete": "brand-awareness", "visibilite": "local-visibility",
        "prospects": "lead-generation", "prospection": "lead-generation",
        "leads": "lead-generation", "ventes": "online-sales", "vendre en ligne": "online-sales",
        "sav": "customer-service", "support": "customer-service",
        "gain de temps": "productivity", "donnees": "data-insight", "reporting": "data-insight",
    },
}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text)


def _score(query: str, key: str) -> float:
    """How close a typed word is to a key (an id or a folded label), 0..1."""
    if query == key:
        return 1.0
    ratio = difflib.SequenceMatcher(None, query, key).ratio()
    words = _words(key)
    if len(query) >= 4 and query in words:  # the word is one of the label's words
        ratio = max(ratio, 0.95 - 0.02 * len(words))
    return ratio


def term_hints(taxonomy: Taxonomy, kinds: Iterable[str], text: object, limit: int = 2
               ) -> list[str]:
    """The ids (of the given kinds: 'capabilities', 'categories', 'sectors', 'goals') closest
    to ``text`` by id, English label, French label or everyday synonym; best first."""
    query = fold(str(text)).strip().replace("_", "-")
    spaced = query.replace("-", " ")
    scores: dict[str, float] = {}
    for kind in kinds:
        synonym = SYNONYMS.get(kind, {}).get(query) or SYNONYMS.get(kind, {}).get(spaced)
        if synonym and synonym in getattr(taxonomy, kind):
            scores[synonym] = 1.0
        for term in getattr(taxonomy, kind).values():
            keys = (term.id, term.id.replace("-", " "), fold(term.en), fold(term.fr))
            best = max(max(_score(query, k), _score(spaced, k)) for k in keys)
            if best >= TERM_CUTOFF:
                scores[term.id] = max(scores.get(term.id, 0.0), best)
    ranked = sorted(scores, key=lambda i: (-scores[i], i))
    return ranked[:limit]


def term_hint_text(taxonomy: Taxonomy, kinds: Iterable[str], text: object) -> str:
    """``"; did you mean 'email-campaigns' (Email campaigns / Campagnes d'emailing)?"`` or ''."""
    found = term_hints(taxonomy, kinds, text)
    if not found:
        return ""
    shown = [f"'{i}' ({_labels(taxonomy, i)})" for i in found]
    return "; did you mean " + " or ".join(shown) + "?"


def _labels(taxonomy: Taxonomy, term_id: str) -> str:
    en, fr = taxonomy.label(term_id, "en"), taxonomy.label(term_id, "fr")
    return en if en == fr else f"{en} / {fr}"


def tool_hints(catalog: Catalog, text: object, limit: int = 2) -> tuple[list[str], bool]:
    """The ids closest to a mistyped tool id, name or alias, and whether they were found by
    name (True) or only among the tools whose facts mention the word (False)."""
    raw = str(text).strip()
    query = fold(raw)
    keys: dict[str, str] = {tool_id: tool_id for tool_id in catalog.index}
    for key, tool_id in catalog.names.items():
        keys.setdefault(key, tool_id)
    compact = re.sub(r"[^a-z0-9]+", "", query)

    def close(cutoff: float) -> list[str]:
        scored: dict[str, float] = {}
        for q in {query, compact} - {""}:
            for key in difflib.get_close_matches(q, list(keys), n=8, cutoff=cutoff):
                ratio = difflib.SequenceMatcher(None, q, key).ratio()
                scored[keys[key]] = max(scored.get(keys[key], 0.0), ratio)
        ranked = sorted(scored, key=lambda i: (-scored[i], i))[:limit]
        # a second guess only when it is nearly as close as the first
        return [i for i in ranked if scored[i] >= scored[ranked[0]] - 0.05]

    found = close(TOOL_CUTOFF)
    if found:
        return found, True
    mentioned = [t.id for t in catalog.search(raw)[:limit]] if len(query) >= 3 else []
    if mentioned:
        return mentioned, False
    return close(LOOSE_CUTOFF), True


def tool_hint_text(catalog: Catalog, text: object) -> str:
    """``"; did you mean 'brevo'?"``, or the tools that mention the word, or ''."""
    found, by_name = tool_hints(catalog, text)
    if not found:
        return ""
    quoted = " or ".join(f"'{i}'" for i in found)
    if by_name:
        return f"; did you mean {quoted}?"
    return f"; did you mean {quoted} (they mention '{text}')?"
