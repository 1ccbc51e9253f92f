"""Danish (and some other) names, street names, and the ways an applicant's name gets misspelt.

Misspelling kinds (the `name_variant` of _truth/case_truth.csv):
  aa                aa <-> å  (Aagaard / Ågaard, Åse / Aase)
  ae                ae <-> æ  (Kjær / Kjaer)
  oe                oe <-> ø  (Søren / Soeren)
  case              upper/lower case differs (JENS HANSEN, jens hansen, Jens hansen)
  accent            an accent dropped or added (René / Rene, Müller / Muller)
  hyphen            hyphen vs space in a double surname (Nielsen-Holm / Nielsen Holm)
  middle_omitted    the middle name left out
  middle_reordered  first and middle name swapped, or the middle name moved after the surname
  typo1             one letter wrong, missing, doubled or transposed
  typo2             two such typos
"""

from __future__ import annotations

import numpy as np

MALE_FIRST = (
    "Peter", "Jens", "Lars", "Michael", "Henrik", "Thomas", "Søren", "Jan", "Niels", "Christian",
    "Martin", "Anders", "Morten", "Jesper", "Mads", "Rasmus", "Hans", "Per", "Jørgen", "Ole",
    "Mikkel", "Kim", "Frederik", "Steen", "Bent", "Poul", "Erik", "Johannes", "Carsten", "Kenneth",
    "Torben", "Flemming", "Allan", "Kristian", "Bo", "Claus", "Jakob", "Brian", "Kasper", "Emil",
    "Tobias", "Simon", "Jonas", "Nikolaj", "Anton", "Oliver", "Lucas", "William", "Mathias", "Magnus",
    "Jørn", "Bjørn", "Knud", "Aage", "Åge", "Preben", "Svend", "Finn", "Børge", "Leif",
    "Kaj", "Verner", "Ejnar", "Søren", "Asger", "Troels", "Mogens", "Ebbe", "Gert", "René",
    "André", "Noé", "Oskar", "Viggo", "Malthe", "Aksel", "Elias", "Storm", "Bjarke", "Kristoffer",
)
FEMALE_FIRST = (
    "Anne", "Kirsten", "Mette", "Hanne", "Helle", "Susanne", "Lene", "Maria", "Marianne", "Lone",
    "Camilla", "Pia", "Louise", "Charlotte", "Tina", "Gitte", "Bente", "Inge", "Karen", "Jette",
    "Birgitte", "Ida", "Emma", "Sofie", "Julie", "Laura", "Mathilde", "Freja", "Clara", "Ella",
    "Signe", "Line", "Katrine", "Rikke", "Malene", "Dorte", "Grethe", "Ruth", "Else", "Ingrid",
    "Åse", "Aase", "Bodil", "Birthe", "Jytte", "Lis", "Solveig", "Sørine", "Dagmar", "Ellen",
    "Lærke", "Mie", "Søs", "Nanna", "Astrid", "Alberte", "Agnes", "Karoline", "Vibeke", "Annette",
    "Zoé", "Chloé", "Irène", "Mille", "Tove", "Ulla", "Gudrun", "Ragnhild", "Sidsel", "Trine",
)
MIDDLE = (
    "Marie", "Louise", "Sofie", "Kathrine", "Margrethe", "Elisabeth", "Juul", "Skov", "Bach", "Lund",
    "Holm", "Dahl", "Krogh", "Møller", "Vestergaard", "Kjær", "Østergaard", "Bøgh", "Brøndum", "Aagaard",
    "Emil", "Christian", "Valdemar", "Alexander", "Frederik", "Kræn", "Bærentzen", "Søgaard", "Nørgaard", "Lykke",
)
SURNAMES = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
    "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen",
    "Møller", "Mortensen", "Knudsen", "Jakobsen", "Jacobsen", "Mikkelsen", "Olesen", "Frederiksen", "Laursen",
    "Henriksen", "Lund", "Holm", "Schmidt", "Eriksen", "Kristiansen", "Nissen", "Clausen", "Simonsen",
    "Svendsen", "Andreasen", "Iversen", "Jeppesen", "Mogensen", "Jespersen", "Nørgaard", "Østergaard",
    "Søgaard", "Aagaard", "Kjærgaard", "Vestergaard", "Skovgaard", "Lykkegård", "Bækgaard", "Damgaard",
    "Kjær", "Bæk", "Dahl", "Bach", "Krogh", "Juhl", "Højgaard", "Mølgaard", "Brødsgaard", "Fænø",
    "Ærenlund", "Åberg", "Aabye", "Sønderby", "Thygesen", "Bruun", "Lauridsen", "Friis", "Winther",
    "Kofoed", "Rømer", "Krøyer", "Hjørth", "Lønborg", "Østerby", "Bøgelund", "Grøn", "Graversen",
)
OTHER_FIRST_M = ("Mohammed", "Ahmed", "Ali", "Hassan", "Omar", "Mustafa", "Emre", "Mehmet", "Piotr", "Tomasz",
                 "Nguyen", "Ivan", "Jamal", "Yusuf", "Abdi", "José", "Jürgen", "Ömer", "Çetin", "Andrzej")
OTHER_FIRST_F = ("Fatima", "Aisha", "Leyla", "Zeynep", "Amina", "Sara", "Mariam", "Agnieszka", "Olena", "Hodan",
                 "Nour", "Yasmin", "Ayşe", "Gül", "Anna", "Iwona", "Thi", "Linh", "Noura", "Elif")
OTHER_SURNAMES = ("Ahmed", "Hussein", "Ali", "Mohamed", "Yilmaz", "Özdemir", "Kaya", "Demir", "Şahin", "Khan",
                  "Nguyen", "Tran", "Kowalski", "Nowak", "Wiśniewski", "Abdullahi", "Jama", "Müller", "Schäfer",
                  "Hassan", "Rahimi", "Karimi", "García", "Öztürk", "Çelik", "Petrović", "Horváth", "Al-Sayed")

STREET_STEMS = (
    "Birke", "Bøge", "Ege", "Ahorn", "Elme", "Lind", "Hassel", "Kastanie", "Pile", "Poppel", "Rønne", "Tjørne",
    "Hyld", "Syren", "Rose", "Valmue", "Kløver", "Lyng", "Engblomme", "Anemone", "Tulipan", "Violet", "Kornblomst",
    "Solsikke", "Lærke", "Svale", "Stær", "Måge", "Vibe", "Drossel", "Finke", "Ugle", "Falke", "Ravne", "Ørne",
    "Storke", "Skov", "Mose", "Eng", "Mark", "Bakke", "Dal", "Sø", "Å", "Strand", "Fjord", "Klint", "Næs", "Holm",
    "Vester", "Øster", "Nørre", "Sønder", "Mølle", "Kirke", "Skole", "Stations", "Havne", "Kongens", "Dronning",
    "Prinse", "Grundtvigs", "Ingemanns", "H.C. Andersens", "Blichers", "Holbergs", "Ewalds", "Oehlenschlægers",
    "Niels Bohrs", "Tagens", "Frederiks", "Christians", "Valdemars", "Absalons", "Gorms", "Thyras", "Dagmars",
    "Ved", "Nyborg", "Roskilde", "Køge", "Ribe", "Viborg", "Aalborg", "Skagen", "Ærø", "Fanø", "Bornholms",
    "Jyllands", "Fyns", "Sjællands", "Hjulmager", "Smede", "Bager", "Brygger", "Fisker", "Tømrer", "Murer",
    "Gartner", "Rytter", "Bonde", "Hyrde", "Vinkel", "Tvær", "Lang", "Bred", "Rosen", "Lilje", "Æble", "Pære",
    "Blomme", "Kirsebær", "Hindbær", "Brombær", "Solbær", "Humle", "Hvede", "Rug", "Byg", "Havre",
)
STREET_SUFFIXES = (
    "vej", "gade", "parken", "allé", "stræde", "vænget", "toften", "haven", "bakken", "højen", "gården",
    "lunden", "engen", "stien", "løkken", "krogen", "marken", "holmen", "plads", "have", "tofte", "høj",
)


def street_pool() -> np.ndarray:
    """Every stem+suffix combination, in a fixed order (about 2,600 street names)."""
    names = []
    for stem in STREET_STEMS:
        for suffix in STREET_SUFFIXES:
            if stem == "Ved":
                names.append(f"Ved {suffix.capitalize()}")
            elif stem.endswith("s") and " " in stem:  # "H.C. Andersens" + "vej" reads "H.C. Andersens Vej"
                names.append(f"{stem} {suffix.capitalize()}")
            else:
                names.append(stem + suffix)
    return np.array(list(dict.fromkeys(names)))


MISSPELL_KINDS = (
    "aa", "ae", "oe", "case", "accent", "hyphen", "middle_omitted", "middle_reordered", "typo1", "typo2",
)

_ACCENTS = {"é": "e", "è": "e", "ü": "u", "ö": "o", "ä": "a", "ç": "c", "á": "a", "í": "i", "ó": "o",
            "ş": "s", "ğ": "g", "ı": "i", "ñ": "n", "ć": "c", "ś": "s", "ń": "n", "ł": "l", "Ö": "O",
            "Ü": "U", "Ç": "C", "Ş": "S", "É": "E"}
_ADD_ACCENT = {"Rene": "René", "Andre": "André", "Zoe": "Zoé", "Chloe": "Chloé", "Muller": "Müller",
               "Jose": "José", "Irene": "Irène", "Noe": "Noé"}
# the neighbour string is one letter longer than the alphabet; zip drops the extra letter (kept so spellings stay)
_KEYBOARD = {c: n for c, n in zip("abcdefghijklmnopqrstuvwxyzæøå", "snvsrdfhjknlbmipwtdyibqczhtøæå", strict=False)}


def _swap_pairs(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """Apply the first substitution direction that changes the text."""
    for a, b in pairs:
        if a in text:
            return text.replace(a, b, 1)
    return text


def _typo(rng: np.random.Generator, text: str) -> str:
    positions = [i for i, c in enumerate(text) if c.isalpha()]
    if len(positions) < 3:
        return text + text[-1]
    i = positions[int(rng.integers(1, len(positions)))]  # not the first letter
    op = int(rng.integers(0, 4))
    c = text[i]
    if op == 0:  # substitution by a keyboard neighbour
        r = _KEYBOARD.get(c.lower(), "e")
        r = r.upper() if c.isupper() else r
        if r == c:
            r = "e" if c != "e" else "a"
        return text[:i] + r + text[i + 1:]
    if op == 1:  # deletion
        return text[:i] + text[i + 1:]
    if op == 2:  # doubling
        return text[:i] + c + text[i:]
    j = i - 1  # transposition with the previous letter
    if text[j].isalpha() and text[j] != c:
        return text[:j] + c + text[j] + text[i + 1:]
    return text[:i] + text[i + 1:]


def applicable_kinds(first: str, middle: str, last: str) -> list[str]:
    full = " ".join(p for p in (first, middle, last) if p)
    low = full.lower()
    kinds = []
    if "å" in low or "aa" in low:
        kinds.append("aa")
    if "æ" in low or "ae" in low:
        kinds.append("ae")
    if "ø" in low or "oe" in low:
        kinds.append("oe")
    kinds.append("case")
    if any(c in _ACCENTS for c in full) or any(p in _ADD_ACCENT for p in (first, middle, last)):
        kinds.append("accent")
    if "-" in last or " " in last:
        kinds.append("hyphen")
    if middle:
        kinds += ["middle_omitted", "middle_reordered"]
    kinds += ["typo1", "typo2"]
    return kinds


_LETTER_PAIRS = {  # the first direction that changes the name wins
    "aa": (("Å", "Aa"), ("å", "aa"), ("Aa", "Å"), ("aa", "å")),
    "ae": (("Æ", "Ae"), ("æ", "ae"), ("Ae", "Æ"), ("ae", "æ")),
    "oe": (("Ø", "Oe"), ("ø", "oe"), ("Oe", "Ø"), ("oe", "ø")),
}


def _case(rng: np.random.Generator, first: str, middle: str, last: str, full: str) -> str:
    style = int(rng.integers(0, 3))
    return full.upper() if style == 0 else full.lower() if style == 1 else " ".join(
        p for p in (first, middle, last.lower()) if p)


def _accent(rng: np.random.Generator, first: str, middle: str, last: str, full: str) -> str:
    out = "".join(_ACCENTS.get(c, c) for c in full)
    if out == full:  # nothing to drop: add one instead
        out = " ".join(_ADD_ACCENT.get(p, p) for p in (first, middle, last) if p)
    return out


def _hyphen(rng: np.random.Generator, first: str, middle: str, last: str, full: str) -> str:
    new_last = last.replace("-", " ") if "-" in last else last.replace(" ", "-", 1)
    return " ".join(p for p in (first, middle, new_last) if p)


def _middle_omitted(rng: np.random.Generator, first: str, middle: str, last: str, full: str) -> str:
    return f"{first} {last}"


def _middle_reordered(rng: np.random.Generator, first: str, middle: str, last: str, full: str) -> str:
    return f"{middle} {first} {last}" if rng.random() < 0.5 else f"{first} {last} {middle}"


def _typo1(rng: np.random.Generator, first: str, middle: str, last: str, full: str) -> str:
    return _typo(rng, full)


def _typo2(rng: np.random.Generator, first: str, middle: str, last: str, full: str) -> str:
    return _typo(rng, _typo(rng, full))


_VARIANTS = {
    "case": _case, "accent": _accent, "hyphen": _hyphen, "middle_omitted": _middle_omitted,
    "middle_reordered": _middle_reordered, "typo1": _typo1, "typo2": _typo2,
}


def misspell(rng: np.random.Generator, first: str, middle: str, last: str, kind: str) -> str:
    """The name spelled differently by `kind`; the result always differs from the registered spelling."""
    full = " ".join(p for p in (first, middle, last) if p)
    if kind in _LETTER_PAIRS:
        out = _swap_pairs(full, _LETTER_PAIRS[kind])
    elif kind in _VARIANTS:
        out = _VARIANTS[kind](rng, first, middle, last, full)
    else:
        raise ValueError(kind)
    if out == full:  # e.g. a transposition of two equal letters
        out = _typo(rng, full)
        if out == full:
            out = full + "e"
    return out
