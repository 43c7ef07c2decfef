"""The soft factors of an establishment process, on anchored 1-5 scales.

How a municipality receives an investor (responsiveness, one point of contact,
site control, planning speed ...) decides establishments as much as land and
power. The factors and the evidence behind them are from
``shared/DOMAIN.md`` section 3 (Tillväxtanalys PM 2021:01, Tillväxtverket
report 0314 and the cited municipal sources). **The 1/3/5 anchors are our
proposal; no source defines them.** Levels 2 and 4 lie between the anchors.

The same ids are used as outcome-log assessment columns (``soft_<id>``), as
fields of the ``municipal_assessment`` layer type, and as soft-criterion
metrics in profiles.

Examples
--------
>>> SOFT_FACTORS["responsiveness"].anchor(5, "en")
'offer within a week; named team'
>>> factor_ids()[:2]
('responsiveness', 'single_point_of_contact')
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["SOFT_FACTORS", "SoftFactor", "factor_ids"]


@dataclass(frozen=True)
class SoftFactor:
    """One soft factor with its anchored scale.

    Parameters
    ----------
    id : str
        Identifier (snake case).
    name_sv, name_en : str
        Display names.
    anchors_sv, anchors_en : tuple of str
        Descriptions of levels 1, 3 and 5.
    evidence : str
        The documented case behind the factor, with its source.
    """

    id: str
    name_sv: str
    name_en: str
    anchors_sv: tuple[str, str, str]
    anchors_en: tuple[str, str, str]
    evidence: str

    def name(self, lang: str = "sv") -> str:
        """Display name in ``lang``."""
        return self.name_sv if lang == "sv" else self.name_en

    def anchor(self, level: int, lang: str = "sv") -> str:
        """Anchor text for level 1, 3 or 5 (levels 2 and 4 lie between)."""
        anchors = self.anchors_sv if lang == "sv" else self.anchors_en
        if level not in (1, 3, 5):
            lo, hi = (anchors[0], anchors[1]) if level < 3 else (anchors[1], anchors[2])
            between = "mellan" if lang == "sv" else "between"
            return f"{between} '{lo}' / '{hi}'"
        return anchors[(level - 1) // 2]


_FACTORS = (
    SoftFactor(
        "responsiveness", "Svarstid och lyhördhet", "Responsiveness",
        ("svar dröjer veckor", "svar inom några dagar", "erbjudande inom en vecka; namngivet team"),
        ("replies take weeks", "replies within days", "offer within a week; named team"),
        "Skellefteå sent its first offer within a week of a phone call [skelleftea.se]",
    ),
    SoftFactor(
        "single_point_of_contact", "En väg in / gemensam projektorganisation",
        "Single point of contact",
        ("ingen ansvarig", "namngiven kontaktperson", "gemensam organisation med energibolaget"),
        ("no owner", "named contact", "joint organisation with the utility"),
        "Northvolt, municipality and Skellefteå Kraft ran one joint organisation "
        "[northvoltett.skelleftea.se]",
    ),
    SoftFactor(
        "site_control", "Rådighet över marken", "Site control",
        ("privat mark, ingen option", "option eller avtal",
         "kommunal mark, detaljplanerad, nätet ägs av kommunalt bolag"),
        ("private land, no option", "option or agreement",
         "municipal land, zoned, utility-owned grid"),
        "Municipal land, energy company and port [jorgensval.se]; conditional land allocation "
        "in Strängnäs [financedaily]",
    ),
    SoftFactor(
        "planning_speed", "Snabb planläggning och tillstånd", "Speed of planning and permits",
        ("mer än 3 år", "omkring 2 år", "högst 1 år; tidig dialog med länsstyrelsen"),
        (">3 years", "about 2 years", "<=1 year; early dialogue with the county board"),
        "6-month detaljplan and permit for Northvolt [kometinfo.se]; SKR medians",
    ),
    SoftFactor(
        "ready_land_infrastructure", "Byggklar mark och infrastruktur",
        "Ready-to-build land and infrastructure",
        ("ingen", "planerad", "färdig tomt (el, vatten, fiber, väg)"),
        ("none", "planned", "serviced plot (power, water, fibre, road)"),
        "SEK 100 m for roads and water/sewage for Northvolt [SR Ekot via omniekonomi.se]; "
        "Tillväxtverket 0314",
    ),
    SoftFactor(
        "housing_schools_capacity", "Kapacitet i bostäder och skolor",
        "Housing and schools capacity",
        ("allvarlig brist", "plan finns", "kapacitet och antagen utbyggnadsplan"),
        ("severe shortage", "plan exists", "capacity plus an adopted expansion plan"),
        "Skellefteå growth plan to 80,000 residents [skelleftea.se]; Boverket BME deficits",
    ),
    SoftFactor(
        "political_stability", "Politisk stabilitet och enighet", "Political stability and unity",
        ("splittrat eller omstritt", "majoritet", "brett stöd över blockgränsen"),
        ("split or contested", "majority", "broad cross-party backing"),
        "Gävle and Sandviken boards met in coordination with a single agenda item "
        "[svenskvindenergi.org]",
    ),
    SoftFactor(
        "regional_collaboration", "Regional samverkan", "Regional collaboration",
        ("ensam", "tillfälligt samarbete", "formellt regionalt team"),
        ("alone", "ad hoc", "formal regional team"),
        "Tillväxtanalys PM 2021:01; Invest in Skåne and Business Sweden [datacenterplanet]",
    ),
    SoftFactor(
        "skills_university", "Kompetens och högskola", "Skills and university",
        ("ingen", "yrkesutbildning", "universitet plus skräddarsydda utbildningar"),
        ("none", "vocational", "university plus tailored programmes"),
        "LTU for Luleå [visitlulea.se]; recruitment events in Eskilstuna [ekuriren.se]",
    ),
)

SOFT_FACTORS: MappingProxyType[str, SoftFactor] = MappingProxyType({f.id: f for f in _FACTORS})


def factor_ids() -> tuple[str, ...]:
    """The factor ids in their canonical order."""
    return tuple(f.id for f in _FACTORS)
