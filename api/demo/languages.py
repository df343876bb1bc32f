"""The demo catalog in French and Dutch: a Belgian coffee brand writes its names in English (the
program's default language, so the stored names stay those the console and the tests know) and
translates what members read. By seed key (api/demo/keys.py); given when the thing is made."""

from __future__ import annotations

from gamification.programs.languages import Translation

DEMO_LANGUAGE = "en"


def _fr_nl(fr: tuple[str, str], nl: tuple[str, str]) -> list[Translation]:
    return [Translation("fr", *fr), Translation("nl", *nl)]


TRANSLATIONS: dict[str, list[Translation]] = {
    "reward:free-coffee": _fr_nl(
        ("Café offert", "Un café au choix, toutes tailles, dans toutes nos boutiques."),
        ("Gratis koffie", "Een koffie naar keuze, elke maat, in al onze winkels."),
    ),
    "reward:tote-bag": _fr_nl(
        ("Sac en toile", "Notre logo sur coton bio. À retirer en boutique."),
        ("Canvas draagtas", "Ons logo op biokatoen. Af te halen in de winkel."),
    ),
    "reward:roastery-tour": _fr_nl(
        (
            "Visite de la torréfaction pour deux",
            "Une matinée chez notre torréfacteur, avec dégustation.",
        ),
        ("Bezoek aan de branderij voor twee", "Een ochtend in onze branderij, met proeverij."),
    ),
    "reward:plant-a-tree": _fr_nl(
        ("Planter un arbre", "Nous donnons 3 euros à une association de reboisement."),
        ("Plant een boom", "We geven 3 euro aan een goed doel voor herbebossing."),
    ),
    "tier:bronze": _fr_nl(("Bronze", "Vos points, partout."), ("Brons", "Je punten, overal.")),
    "tier:silver": _fr_nl(("Argent", ""), ("Zilver", "")),
    "tier:gold": _fr_nl(("Or", ""), ("Goud", "")),
    "badge:first-sip": _fr_nl(
        ("Première gorgée", "Votre premier achat."), ("Eerste slok", "Je eerste aankoop.")
    ),
    "badge:regular": _fr_nl(
        ("Habitué", "Bronze à 5 achats, argent à 10, or à 25."),
        ("Vaste klant", "Brons bij 5 aankopen, zilver bij 10, goud bij 25."),
    ),
    "badge:coffee-lover": _fr_nl(
        ("Amateur de café", "Dix cafés."), ("Koffieliefhebber", "Tien koffies.")
    ),
    "game:scratch-card": _fr_nl(("Carte à gratter", ""), ("Kraskaart", "")),
    "contest:monthly": _fr_nl(("Tirage du mois", ""), ("Maandelijkse trekking", "")),
}


def of(key: str) -> list[Translation]:
    return TRANSLATIONS.get(key, [])
