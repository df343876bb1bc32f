"""What a member reads when a mutation refuses, in French: one sentence per member-facing code.

The code stays the one clients switch on; only `UserError.message` changes with the request's
language (api/locales.py). English is the services' own message, which also carries details (a
limit, an amount) that these general sentences leave out; codes only staff meet stay English.
"""

from __future__ import annotations

from collections.abc import Sequence

FRENCH = {
    # shared
    "NOT_FOUND": "Introuvable.",
    "IDEMPOTENCY_KEY_REUSED": "Cette clé d'idempotence a déjà servi pour une autre demande.",
    "INVALID_TIME": "Donnez une date et une heure avec leur fuseau horaire.",
    # accounts
    "INVALID_EMAIL": "Cette adresse e-mail n'est pas valide.",
    "PASSWORD_TOO_SHORT": "Ce mot de passe est trop court.",
    "PASSWORD_TOO_LONG": "Ce mot de passe est trop long.",
    "INVALID_DISPLAY_NAME": "Ce nom d'affichage n'est pas valide.",
    "EMAIL_TAKEN": "Un compte utilise déjà cette adresse e-mail.",
    "INVALID_CREDENTIALS": "E-mail ou mot de passe incorrect.",
    "INVALID_REFRESH_TOKEN": "Votre session a expiré : reconnectez-vous.",
    "TOO_MANY_ATTEMPTS": "Trop de tentatives : réessayez dans quelques minutes.",
    "MEMBER_NOT_FOUND": "Membre introuvable.",
    "MEMBER_BLOCKED": "Votre compte est bloqué : contactez le service client.",
    "MEMBER_ANONYMISED": "Ce compte a été supprimé.",
    # points
    "INSUFFICIENT_POINTS": "Vous n'avez pas assez de points.",
    "PLAN_NOT_FOUND": "Cette formule d'adhésion n'existe pas.",
    # referrals
    "INVALID_REFERRAL_CODE": "Ce code de parrainage n'existe pas.",
    "OWN_REFERRAL_CODE": "Vous ne pouvez pas utiliser votre propre code de parrainage.",
    "ALREADY_REFERRED": "Vous avez déjà été parrainé.",
    "REFERRAL_LOOP": "Ce code appartient à une personne que vous avez parrainée.",
    "REFERRAL_WINDOW_CLOSED": "Il est trop tard pour saisir un code de parrainage.",
    # rewards
    "REWARD_NOT_FOUND": "Cette récompense n'existe pas.",
    "REWARD_ARCHIVED": "Cette récompense n'est plus proposée.",
    "REWARD_NOT_STARTED": "Cette récompense n'est pas encore disponible.",
    "REWARD_ENDED": "Cette récompense n'est plus disponible.",
    "OUT_OF_STOCK": "Cette récompense est en rupture de stock.",
    "TIER_REQUIRED": "Cette récompense demande un niveau plus élevé.",
    "BADGE_REQUIRED": "Cette récompense demande un badge que vous n'avez pas encore.",
    "LIMIT_REACHED": "Vous avez échangé cette récompense autant de fois que permis.",
    "NOT_ELIGIBLE": "Votre niveau ou vos badges ne le permettent pas.",
    # games
    "GAME_CLOSED": "Ce jeu n'est pas ouvert en ce moment.",
    "PLAY_LIMIT_REACHED": "Vous avez joué autant de fois que ce jeu le permet.",
    "CONTEST_CLOSED": "Ce concours n'accepte pas de participation en ce moment.",
    "ENTRY_LIMIT_REACHED": "Vous avez participé autant de fois que ce concours le permet.",
    "AUCTION_CLOSED": "Cette enchère n'accepte pas d'offre en ce moment.",
    "BID_TOO_LOW": "Votre offre est inférieure à l'offre minimale.",
    # actions
    "ACTION_TYPE_NOT_FOUND": "Cette action n'existe pas.",
    "ACTION_NOT_AVAILABLE": "Cette action ne compte pas en ce moment.",
    "ACTION_LIMIT_REACHED": "Vous avez atteint la limite de cette action.",
    "ACTION_COOLDOWN": "Trop tôt après votre dernière action de ce type.",
    "INVALID_CHECK_IN_CODE": "Ce code n'est pas celui affiché en magasin.",
    # challenges
    "CHALLENGE_NOT_OPEN": "Ce défi est terminé.",
    "CHALLENGE_FULL": "Ce défi est complet.",
    "CHALLENGE_NOT_ELIGIBLE": "Votre niveau ne permet pas de rejoindre ce défi.",
    # programs
    "INVALID_LOCALE": "Cette langue n'est pas prise en charge.",
}

# The languages member-facing messages come in, beside English (the services' own).
MESSAGES = {"fr": FRENCH}


def message_in(code: str, english: str, languages: Sequence[str]) -> str:
    """The message for `code` in the first of `languages` that has one (English when that
    comes first, or when none has)."""
    for language in languages:
        if language == "en":
            return english
        translated = MESSAGES.get(language, {}).get(code)
        if translated is not None:
            return translated
    return english
