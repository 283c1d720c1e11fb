"""What a chat message carries that scams on classifieds sites are made of, found once when the
message is saved (chat.services) and kept on the row, so the API, the sockets and the page all
show the same warning.

- phishing: a link to a look-alike of a site people trust with money or parcels
  (`kaspi-kz.delivery`, `zattar-dostavka.com`, `0lx-kz.com`): the brand in the name with
  extra words, a letter or two changed, digits or Cyrillic letters for Latin ones;
- card_number: 13 to 19 digits, in groups or not, that pass the Luhn check;
- off_platform_payment: a request to pay outside Safe Deal ("переведите на карту",
  "предоплата", "аударыңыз", "kaspi перевод"), as whole words in any letter case;
- external_link: any other link to another site, with or without a scheme.

One warning per message, the strongest: phishing > card_number > off_platform_payment >
external_link. Registrable domains come from tldextract's bundled copy of the public suffix
list: nothing is fetched over the network.
"""

import re

from chat.models import FraudWarning
from zattar.text import (
    OWN_DOMAINS,
    decoded_host,
    domain_parts_extractor,
    is_own,
    own_hosts,
    unmasked,
)

# --- Links ----------------------------------------------------------------------------------

# A host with at least one dot, with or without a scheme, never inside a word or an e-mail.
LINK = re.compile(
    r"(?<![\w@.-])(?:(?P<scheme>[a-z][a-z0-9+.-]{1,15})://)?"
    r"(?P<host>(?:[\w-]+\.)+[\w-]+)(?::\d{1,5})?(?:[/?#]\S*)?",
    re.IGNORECASE,
)
IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def link_hosts(text: str) -> list[str]:
    """The hosts of the links in the text, lower case: with a scheme (any host), or without
    one when the host ends in a public suffix (`kaspi-kz.delivery/pay`, `www.x.com`)."""
    hosts = []
    for match in LINK.finditer(text):
        host = decoded_host(match.group("host"))
        if match.group("scheme"):
            if match.group("scheme").lower() in ("http", "https", "ftp"):
                hosts.append(host)
            continue
        parts = domain_parts_extractor()(host)
        if parts.suffix and parts.domain and not parts.domain.isdigit():
            hosts.append(host)
    return hosts


# --- Look-alikes ----------------------------------------------------------------------------

# Each brand people trust with money or parcels, and the domains that are really theirs.
OFFICIAL_DOMAINS: dict[str, frozenset[str]] = {
    "zattar": OWN_DOMAINS,
    "olx": frozenset({"olx.kz", "olx.com", "olx.ua", "olx.uz", "olx.pl", "olx.ro", "olx.pt"}),
    "kaspi": frozenset({"kaspi.kz"}),
    "kazpost": frozenset({"kazpost.kz", "post.kz"}),
    "postkz": frozenset({"post.kz", "kazpost.kz"}),
    "cdek": frozenset({"cdek.kz", "cdek.ru"}),
    "halyk": frozenset({"halykbank.kz", "homebank.kz"}),
    "homebank": frozenset({"homebank.kz", "halykbank.kz"}),
    "ponyexpress": frozenset({"ponyexpress.kz", "ponyexpress.ru"}),
    "dhl": frozenset({"dhl.com", "dhl.kz"}),
}
OFFICIAL = frozenset().union(*OFFICIAL_DOMAINS.values())

# Letters scammers put in place of Latin ones: digits and Cyrillic look-alikes.
LOOK_ALIKES = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "а": "a",
        "в": "b",
        "е": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ı": "i",
        "ѕ": "s",
        "ԁ": "d",
    }
)


def _distance(a: str, b: str) -> int:
    """Edits (insert, delete, change, swap two neighbours) from a to b."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        row = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            row.append(cost)
        previous2, previous = previous, row
    return previous[-1]


def _tolerance(brand: str) -> int:
    """How many edits still make a look-alike: none for three letters (olx), more for long."""
    if len(brand) <= 3:
        return 0
    return 1 if len(brand) <= 7 else 2


def imitated_brand(host: str) -> str | None:
    """The brand a host imitates, or None: its own domains, and unrelated names, imitate
    nothing."""
    parts = domain_parts_extractor()(host)
    registrable = parts.top_domain_under_public_suffix
    if not registrable or registrable in OFFICIAL:
        return None
    name = parts.domain.translate(LOOK_ALIKES)
    words = [word for word in name.split("-") if word]
    # Everything before the public suffix, run together: kaspi.kz.secure-pay -> kaspikzsecurepay
    compact = re.sub(r"[^a-z]", "", f"{parts.subdomain}.{parts.domain}".translate(LOOK_ALIKES))
    subdomain_words = set(re.split(r"[.-]", parts.subdomain.translate(LOOK_ALIKES)))
    for brand in OFFICIAL_DOMAINS:
        if brand in words or brand in subdomain_words:
            return brand
        if compact.startswith(brand) or (len(brand) >= 4 and brand in compact):
            return brand
        tolerance = _tolerance(brand)
        if tolerance and any(
            len(word) >= 3 and _distance(word, brand) <= tolerance
            for word in (*words, name.replace("-", ""))
        ):
            return brand
    return None


# --- Card numbers ---------------------------------------------------------------------------

DIGIT_RUN = re.compile(r"(?<![\w+])\d+(?:[ -]\d+)*(?!\w)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_shaped(groups: list[str]) -> bool:
    """13-19 digits written together, or in groups of 3 to 6 (4-4-4-4, 4-6-5)."""
    digits = sum(len(group) for group in groups)
    if not 13 <= digits <= 19:
        return False
    return len(groups) == 1 or all(3 <= len(group) <= 6 for group in groups)


def has_card_number(text: str) -> bool:
    for run in DIGIT_RUN.finditer(text):
        groups = re.split(r"[ -]", run.group())
        for start in range(len(groups)):  # a card among other numbers (an amount after it)
            for end in range(start + 1, len(groups) + 1):
                part = groups[start:end]
                if _card_shaped(part) and luhn_valid("".join(part)):
                    return True
    return False


# --- Payment outside Safe Deal --------------------------------------------------------------

# Whole phrases, any letter case; `\w*` lets a word take its endings (предоплат-а/-у/-ы).
OFF_PLATFORM_PHRASES = [
    # Russian
    r"(?:пере|с|за)?кин\w*\s+(?:деньги\s+)?на\s+(?:мою\s+|мой\s+)?(?:карт\w*|каспи|kaspi)",
    r"(?:переведи|переведите|перевести|перевод\w*|скинь|скиньте|отправь|отправьте)"
    r"\s+(?:деньги\s+|сумму\s+|оплату\s+)?(?:мне\s+)?на\s+(?:мою\s+|мой\s+)?"
    r"(?:карт\w*|каспи|kaspi|номер|счет|счёт)",
    r"(?:оплат\w*|плат\w*)\s+(?:на|через)\s+(?:каспи|kaspi|карт\w*)",
    r"(?:каспи|kaspi)\s+(?:перевод\w*|голд|gold)",
    r"перевод\w*\s+(?:на\s+)?(?:каспи|kaspi)",
    r"предоплат\w*",
    r"(?:без|минуя|мимо)\s+(?:безопасн\w*\s+сделк\w*|zattar|заттар\w*)",
    r"оплат\w*\s+напрямую",
    r"номер\s+(?:моей\s+)?карты",
    # Kazakh
    r"аударыңыз",
    r"аударып\s+жіберіңіз",
    r"(?:картаға|каспиға|каспийге|kaspi-ға)\s+(?:сал\w*|жібер\w*|аудар\w*)",
    r"алдын\s+ала\s+төле\w*",
    r"ақша\s+салыңыз",
    # English
    r"(?:transfer|send|pay)\s+(?:the\s+money\s+|it\s+)?(?:to|on)\s+my\s+card",
    r"(?:kaspi)\s+transfer",
    r"pay\s+(?:via|by|through|with)\s+(?:kaspi|card\s+transfer)",
    r"(?:pre-?payment|advance\s+payment|pay\s+in\s+advance)",
    r"(?:outside|without)\s+(?:the\s+)?safe\s+deal",
    r"western\s+union",
]
OFF_PLATFORM = re.compile(
    r"(?<!\w)(?:" + "|".join(OFF_PLATFORM_PHRASES) + r")(?!\w)", re.IGNORECASE
)


def asks_off_platform_payment(text: str) -> bool:
    return OFF_PLATFORM.search(text) is not None


# --- The message ----------------------------------------------------------------------------


def warning_for(text: str) -> str:
    """The one warning a message gets (a FraudWarning value), or "" for none."""
    text = unmasked(text)  # full-width digits, ideographic dots, zero-width characters
    hosts = link_hosts(text)
    if hosts:
        own = own_hosts()
        hosts = [host for host in hosts if not is_own(host, own)]
    if any(imitated_brand(host) for host in hosts):
        return FraudWarning.PHISHING
    if has_card_number(text):
        return FraudWarning.CARD_NUMBER
    if asks_off_platform_payment(text):
        return FraudWarning.OFF_PLATFORM_PAYMENT
    if hosts:
        return FraudWarning.EXTERNAL_LINK
    return ""
