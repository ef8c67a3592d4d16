"""The language registry.

Task files name languages by the codes their releases use (XTREME: ISO 639-1 such as ``zh``;
UDHR: ISO 639-3 such as ``quy``). Typology needs one convention: URIEL/lang2vec ISO 639-3 codes as
lang2vec's ``LETTER_CODES`` maps them. That makes macrolanguage codes the convention here
(``ar -> ara``, ``zh -> zho``, ``ms -> msa``, ``fa -> fas``, ``et -> est``, ``sw -> swa``):
URIEL holds different data for ``arb``/``cmn``/``zsm``/..., so mixing the two would change
distances silently.

The 40 XTREME languages (google-research/xtreme ``evaluate.py``) are listed with script and family;
a few more languages of the offline gettext corpus (``uk``, ``pl``) are registered too. Any other
valid ISO 639-3 code is accepted by :func:`get_language` as-is (the UDHR set has hundreds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xstilts.errors import UnknownNameError


@dataclass(frozen=True)
class Language:
    code: str  # the code task files use (ISO 639-1 where one exists)
    iso3: str  # URIEL / lang2vec convention (see module docstring)
    name: str
    script: str  # ISO 15924
    family: str
    xtreme: bool = True


_TABLE = """
af afr Afrikaans Latn Indo-European
ar ara Arabic Arab Afro-Asiatic
bg bul Bulgarian Cyrl Indo-European
bn ben Bengali Beng Indo-European
de deu German Latn Indo-European
el ell Greek Grek Indo-European
en eng English Latn Indo-European
es spa Spanish Latn Indo-European
et est Estonian Latn Uralic
eu eus Basque Latn Basque
fa fas Persian Arab Indo-European
fi fin Finnish Latn Uralic
fr fra French Latn Indo-European
he heb Hebrew Hebr Afro-Asiatic
hi hin Hindi Deva Indo-European
hu hun Hungarian Latn Uralic
id ind Indonesian Latn Austronesian
it ita Italian Latn Indo-European
ja jpn Japanese Jpan Japonic
jv jav Javanese Latn Austronesian
ka kat Georgian Geor Kartvelian
kk kaz Kazakh Cyrl Turkic
ko kor Korean Hang Koreanic
ml mal Malayalam Mlym Dravidian
mr mar Marathi Deva Indo-European
ms msa Malay Latn Austronesian
my mya Burmese Mymr Sino-Tibetan
nl nld Dutch Latn Indo-European
pt por Portuguese Latn Indo-European
ru rus Russian Cyrl Indo-European
sw swa Swahili Latn Niger-Congo
ta tam Tamil Taml Dravidian
te tel Telugu Telu Dravidian
th tha Thai Thai Tai-Kadai
tl tgl Tagalog Latn Austronesian
tr tur Turkish Latn Turkic
ur urd Urdu Arab Indo-European
vi vie Vietnamese Latn Austro-Asiatic
yo yor Yoruba Latn Niger-Congo
zh zho Chinese Hans Sino-Tibetan
"""

_EXTRA = """
uk ukr Ukrainian Cyrl Indo-European
pl pol Polish Latn Indo-European
"""


def _parse(table: str, xtreme: bool) -> dict[str, Language]:
    out = {}
    for row in table.strip().splitlines():
        code, iso3, name, script, family = row.split(maxsplit=4)
        out[code] = Language(code, iso3, name, script, family, xtreme)
    return out


LANGUAGES: dict[str, Language] = {**_parse(_TABLE, True), **_parse(_EXTRA, False)}
XTREME_LANGUAGES: tuple[str, ...] = tuple(code for code, lang in LANGUAGES.items() if lang.xtreme)
_BY_ISO3 = {lang.iso3: lang for lang in LANGUAGES.values()}
# Locale spellings that appear in data releases (gettext: zh_CN, pt_BR; BCP-47: zh-Hans).
_ALIASES = {"zh_cn": "zh", "zh-cn": "zh", "zh-hans": "zh", "pt_br": "pt", "pt-br": "pt", "pt_pt": "pt"}
_ISO3_RE = re.compile(r"^[a-z]{3}$")


def get_language(code: str) -> Language:
    """Look a language up by ISO 639-1 code, ISO 639-3 code or a known locale alias.

    Unknown two-letter codes raise with a did-you-mean; an unregistered well-formed three-letter
    code is accepted as an ISO 639-3 language with unknown script/family, because the UDHR set
    reaches hundreds of languages that no hand-written table should list.
    """
    key = code.strip()
    low = key.lower()
    low = _ALIASES.get(low, low)
    if low in LANGUAGES:
        return LANGUAGES[low]
    if low in _BY_ISO3:
        return _BY_ISO3[low]
    if _ISO3_RE.match(low):
        return Language(low, low, low, "Zyyy", "unknown", xtreme=False)
    raise UnknownNameError("language code", code, list(LANGUAGES) + list(_BY_ISO3))


def to_iso3(code: str) -> str:
    """The URIEL (lang2vec) code for a language code."""
    return get_language(code).iso3


def canonical(code: str) -> str:
    """One identity per language across tasks: the ISO 639-3 code lang2vec uses.

    gettext tasks name languages by ISO 639-1 (``fi``, ``ja``, ``ar``), UDHR by ISO 639-3 (``fin``,
    ``jpn``, ``ara``); both become the 639-3 code, so one language is one row in every count,
    table and cross-task join. Macrolanguages follow lang2vec's ``LETTER_CODES``: ``ar -> ara``,
    ``zh -> zho``, ``ms -> msa``, ``fa -> fas``, ``et -> est``, ``sw -> swa`` (the UDHR builder maps
    the individual codes ``arb``, ``cmn``, ... of these XTREME languages to the same codes). Other
    individual codes (e.g. a UDHR ``cmn_hant`` variant or ``quy``) stay as they are: URIEL holds
    different data for them. A code no registry knows is kept unchanged rather than rejected.
    """
    try:
        return get_language(code).iso3
    except UnknownNameError:
        return code
