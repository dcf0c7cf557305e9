"""The compliance checker's own address → time-zone table (written independently of the engine's).

States spanning zones list every zone they span; a few three-digit ZIP prefixes narrow a split state
down where the line is well known. Unknown split-state ZIPs keep every zone (the conservative choice).
"""

from __future__ import annotations

E, C, M, P = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
PHOENIX, ANCHORAGE, ADAK, HONOLULU = "America/Phoenix", "America/Anchorage", "America/Adak", "Pacific/Honolulu"

STATE_ZONES: dict[str, tuple[str, ...]] = {
    "AL": (C,), "AK": (ANCHORAGE, ADAK), "AZ": (PHOENIX, M), "AR": (C,), "CA": (P,), "CO": (M,),
    "CT": (E,), "DE": (E,), "DC": (E,), "FL": (E, C), "GA": (E,), "HI": (HONOLULU,), "ID": (M, P),
    "IL": (C,), "IN": (E, C), "IA": (C,), "KS": (C, M), "KY": (E, C), "LA": (C,), "ME": (E,),
    "MD": (E,), "MA": (E,), "MI": (E, C), "MN": (C,), "MS": (C,), "MO": (C,), "MT": (M,),
    "NE": (C, M), "NV": (P, M), "NH": (E,), "NJ": (E,), "NM": (M,), "NY": (E,), "NC": (E,),
    "ND": (C, M), "OH": (E,), "OK": (C,), "OR": (P, M), "PA": (E,), "RI": (E,), "SC": (E,),
    "SD": (C, M), "TN": (C, E), "TX": (C, M), "UT": (M,), "VT": (E,), "VA": (E,), "WA": (P,),
    "WV": (E,), "WI": (C,), "WY": (M,), "PR": ("America/Puerto_Rico",),
}  # fmt: skip

# Three-digit ZIP prefixes that settle a split state's zone.
ZIP3_ZONES: dict[str, tuple[str, ...]] = {
    # Florida: the western panhandle is Central.
    **{z: (E,) for z in ("320", "321", "322", "323", "326", "327", "328", "329", "330", "331", "332", "333",
                         "334", "335", "336", "337", "338", "339", "341", "342", "344", "346", "347", "349")},
    "324": (C,), "325": (C,),
    # Texas: El Paso and Hudspeth are Mountain.
    **{z: (C,) for z in ("750", "751", "752", "753", "754", "755", "756", "757", "758", "759", "760", "761",
                         "762", "763", "764", "765", "766", "767", "768", "769", "770", "772", "773", "774",
                         "775", "776", "777", "778", "779", "780", "781", "782", "783", "784", "785", "786",
                         "787", "788", "789", "790", "791", "792", "793", "794", "795", "796", "797")},
    "798": (M,), "799": (M,), "885": (M,),
    # Idaho: the south is Mountain, the panhandle Pacific.
    "832": (M,), "833": (M,), "834": (M,), "836": (M,), "837": (M,), "835": (P,), "838": (P,),
    # Oregon: all Pacific except most of Malheur County (979).
    **{z: (P,) for z in ("970", "971", "972", "973", "974", "975", "976", "977", "978")},
    # Tennessee: Middle and West are Central; East (Knoxville, Chattanooga, Tri-Cities) is Eastern.
    **{z: (C,) for z in ("370", "371", "372", "380", "381", "382", "383", "384", "385")},
    **{z: (E,) for z in ("376", "377", "378", "379", "373", "374")},
    # Arizona: no DST, except the Navajo Nation (865 reaches into it, so keep both there).
    **{z: (PHOENIX,) for z in ("850", "851", "852", "853", "855", "856", "857", "859", "860", "863", "864")},
    # Alaska: Anchorage zone except the Aleutians (995xx-999xx are Anchorage; Adak is 99546/99547).
    **{z: (ANCHORAGE,) for z in ("995", "996", "997", "998", "999")},
    # Michigan: only four Upper Peninsula counties are Central (498/499 span both).
    **{z: (E,) for z in ("480", "481", "482", "483", "484", "485", "486", "487", "488", "489", "490", "491",
                         "492", "493", "494", "495", "496", "497")},
    # Indiana: Indianapolis and the east are Eastern; the northwest and southwest corners Central.
    **{z: (E,) for z in ("460", "461", "462", "470", "471", "472", "473", "474", "478", "479")},
    # Nevada: all Pacific but West Wendover (898 covers Elko too, keep both).
    **{z: (P,) for z in ("889", "890", "891", "893", "894", "895", "897")},
}  # fmt: skip

EXACT_ZIP_ZONES: dict[str, tuple[str, ...]] = {"99546": (ADAK,), "99547": (ADAK,)}


def address_zones(state: str, postal_code: str) -> tuple[str, ...]:
    """Every zone an address may be in: exact ZIP, then ZIP prefix, then the whole state."""
    code = postal_code.strip()[:5]
    if code in EXACT_ZIP_ZONES:
        return EXACT_ZIP_ZONES[code]
    state_zones = STATE_ZONES.get(state.strip().upper(), ())
    if len(state_zones) > 1 and code[:3] in ZIP3_ZONES:
        return ZIP3_ZONES[code[:3]]
    return state_zones
