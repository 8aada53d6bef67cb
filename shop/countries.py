"""Country codes (ISO 3166-1 alpha-2, as Stripe takes them) and their names, from CLDR through Babel."""

from functools import lru_cache

from babel import Locale
from django.conf import settings
from django.utils.translation import to_locale

# Stripe's `shipping_address_collection.allowed_countries` refuses these codes (docs.stripe.com, Checkout Sessions).
STRIPE_UNSHIPPABLE = frozenset({"AS", "CX", "CC", "CU", "HM", "IR", "KP", "MH", "FM", "NF", "MP", "PW", "SD", "SY"})


@lru_cache(maxsize=4)
def _territories(language_code: str) -> dict[str, str]:
    try:
        locale = Locale.parse(to_locale(language_code))
    except (ValueError, TypeError):
        locale = Locale("en")
    return {code: name for code, name in locale.territories.items() if len(code) == 2 and code.isalpha()}


def country_names() -> dict[str, str]:
    return _territories(settings.LANGUAGE_CODE)


def country_name(code: str) -> str:
    return country_names().get((code or "").upper(), code)


def is_shippable_country(code: str) -> bool:
    code = (code or "").upper()
    return code in country_names() and code not in STRIPE_UNSHIPPABLE and code != "ZZ"


def parse_country_codes(text: str) -> list[str]:
    """'us, ca GB' → ['US', 'CA', 'GB']: order kept, duplicates dropped. ValueError names any unknown code."""
    codes = [part.strip().upper() for part in (text or "").replace(",", " ").split() if part.strip()]
    unknown = [code for code in codes if not is_shippable_country(code)]
    if unknown:
        raise ValueError(f"Not a country we can ship to: {', '.join(unknown)}. Use two-letter codes such as US or GB.")
    return list(dict.fromkeys(codes))
