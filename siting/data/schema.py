"""Canonical layer types and their fields: the one place they are defined.

A catalogue entry declares which *type* a layer is (``substations``,
``sites`` ...) and maps its source columns onto the canonical fields listed
here. Everything downstream (metrics, profiles, the app) speaks only in these
types and fields, so a profile written for the demo data also runs on real
data.

Examples
--------
>>> LAYER_TYPES["substations"].theme
'energy'
>>> [f.name for f in LAYER_TYPES["substations"].required]
['voltage_kv']
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from siting.core.i18n import has_key, t
from siting.data.soft_factors import factor_ids

__all__ = [
    "GEOMETRY_KINDS",
    "LAYER_TYPES",
    "THEMES",
    "FieldSpec",
    "GeometryKind",
    "LayerType",
    "Theme",
    "field_title",
    "type_title",
]

Theme = Literal["land", "energy", "logistics", "schools", "housing"]
GeometryKind = Literal["point", "line", "polygon", "raster", "table"]

THEMES: tuple[Theme, ...] = ("land", "energy", "logistics", "schools", "housing")
GEOMETRY_KINDS: tuple[GeometryKind, ...] = ("point", "line", "polygon", "raster", "table")

FieldDtype = Literal["str", "float", "int", "bool", "date", "kommunkod"]


@dataclass(frozen=True)
class FieldSpec:
    """A canonical field of a layer type.

    Parameters
    ----------
    name : str
        Canonical name, units in the name where there are units.
    dtype : {"str", "float", "int", "bool", "date", "kommunkod"}
        ``kommunkod`` is a 4-character zero-padded text code.
    required : bool
        Loading fails, naming the field, when a required field is not mapped
        or has missing/non-conforming values.
    unique : bool
        Values must be unique (ids).
    description : str
        Plain-English meaning, with units.
    """

    name: str
    dtype: FieldDtype
    required: bool = False
    unique: bool = False
    description: str = ""


@dataclass(frozen=True)
class LayerType:
    """A canonical layer type.

    Parameters
    ----------
    name : str
        Type id used in catalogues and profiles.
    theme : Theme
        Default theme (a catalogue may file a layer under another theme).
    kinds : tuple of GeometryKind
        Geometry kinds this type may have.
    fields : tuple of FieldSpec
        Canonical fields.
    id_field : str or None
        The field that identifies a feature (unique), if any.
    """

    name: str
    theme: Theme
    kinds: tuple[GeometryKind, ...]
    fields: tuple[FieldSpec, ...]
    id_field: str | None = None
    description: str = ""

    @property
    def required(self) -> tuple[FieldSpec, ...]:
        """The required fields."""
        return tuple(f for f in self.fields if f.required)

    def field(self, name: str) -> FieldSpec | None:
        """Return the field spec called ``name`` or None."""
        for f in self.fields:
            if f.name == name:
                return f
        return None


def _f(name: str, dtype: FieldDtype, description: str = "", *, required: bool = False,
       unique: bool = False) -> FieldSpec:
    return FieldSpec(name=name, dtype=dtype, required=required, unique=unique,
                     description=description)


_TYPES = (
    # ---- land -----------------------------------------------------------
    LayerType(
        "municipalities", "land", ("polygon",),
        (
            _f("kommunkod", "kommunkod", "4-digit municipality code", required=True, unique=True),
            _f("name", "str", "municipality name", required=True),
            _f("lanskod", "str", "2-digit county code"),
            _f("lan", "str", "county name"),
            _f("population", "int", "residents"),
            _f("la_code", "str", "local labour-market region (SCB LA) code, e.g. LA2258"),
            _f("la_name", "str", "local labour-market region name, e.g. Skellefteå"),
        ),
        id_field="kommunkod",
        description="Municipality boundaries; the region is built from these.",
    ),
    LayerType(
        "municipality_stats", "land", ("table",),
        (
            _f("kommunkod", "kommunkod", "4-digit municipality code", required=True, unique=True),
            _f("name", "str", "municipality name"),
            _f("population", "int", "residents"),
            _f("working_age_population", "int", "residents aged 20-64"),
            _f("area_land_km2", "float", "land area in km2"),
            _f("price_area", "str", "electricity price area SE1-SE4"),
            _f("rental_share", "float", "share of households in rented dwellings, 0-1"),
            _f("post_secondary_share", "float",
               "share of residents aged 25-64 with post-secondary education, 0-1"),
            _f("upper_secondary_eligible_pct", "float",
               "grade-9 pupils eligible for an upper-secondary national programme, percent"),
            _f("income_median_ksek", "float", "median income of residents aged 20+, 1000 SEK/yr"),
            _f("municipal_tax_rate_pct", "float", "municipal income tax rate, percent"),
        ),
        id_field="kommunkod",
    ),
    LayerType(
        "counties", "land", ("polygon", "table"),
        (
            _f("lanskod", "str", "2-digit county code", required=True, unique=True),
            _f("name", "str", "county name, e.g. 'Norrbottens län'", required=True),
        ),
        id_field="lanskod",
        description="Counties (län): names for choosing municipalities by county.",
    ),
    LayerType(
        "labour_market_regions", "land", ("polygon", "table"),
        (
            _f("la_code", "str", "region code, e.g. 'LA2265'", required=True, unique=True),
            _f("name", "str", "region name", required=True),
            _f("kommunkoder", "str", "member kommunkoder separated by ';'", required=True),
        ),
        id_field="la_code",
        description="Local labour-market regions (SCB LA): groups of municipalities that "
                    "commute together, for comparing a region across county borders.",
    ),
    LayerType(
        "sites", "land", ("point", "polygon"),
        (
            _f("site_id", "str", "candidate site id", required=True, unique=True),
            _f("name", "str", "site name"),
            _f("area_ha", "float", "site area in hectares (computed from polygons when absent)"),
            _f("zoning", "str", "detaljplan status: 'industrial', 'in_progress', 'none'"),
            _f("owner", "str", "land owner: 'municipal', 'private', 'state', ..."),
            _f("available_from", "date", "earliest date the land is available"),
            _f("kommunkod", "kommunkod", "municipality (joined spatially when absent)"),
        ),
        id_field="site_id",
        description="Candidate industrial sites.",
    ),
    LayerType(
        "protected_areas", "land", ("polygon",),
        (
            _f("area_id", "str", "id"),
            _f("name", "str", "name"),
            _f("designation", "str", "nationalpark, naturreservat, natura2000, ..."),
        ),
        id_field="area_id",
    ),
    LayerType(
        "flood_zones", "land", ("polygon",),
        (
            _f("zone_id", "str", "id"),
            _f("return_period_yr", "float", "flood return period in years (e.g. 100)"),
        ),
        id_field="zone_id",
    ),
    LayerType("slope", "land", ("raster",), (), description="Terrain slope in percent."),
    LayerType("land_cover", "land", ("raster",), (),
              description="Land-cover classes (integer codes)."),
    LayerType(
        "built_up_areas", "land", ("polygon",),
        (
            _f("name", "str", "tätort name"),
            _f("population", "int", "residents"),
        ),
    ),
    LayerType(
        "population_grid", "schools", ("point", "polygon"),
        (
            _f("population", "float", "residents in the cell", required=True),
            _f("working_age_population", "float", "residents aged 20-64 in the cell"),
        ),
        description="Population per grid cell (e.g. SCB 1 km); used for labour pools.",
    ),
    # ---- energy ---------------------------------------------------------
    LayerType(
        "substations", "energy", ("point",),
        (
            _f("station_id", "str", "station id"),
            _f("name", "str", "station name"),
            _f("voltage_kv", "float", "highest voltage level in kV", required=True),
            _f("available_capacity_mw", "float", "firm capacity available for new load, MW"),
        ),
        id_field=None,
    ),
    LayerType(
        "grid_lines", "energy", ("line",),
        (
            _f("line_id", "str", "line id"),
            _f("voltage_kv", "float", "voltage in kV"),
        ),
    ),
    LayerType(
        "price_areas", "energy", ("polygon",),
        (_f("price_area", "str", "SE1..SE4", required=True),),
    ),
    # ---- logistics ------------------------------------------------------
    LayerType(
        "roads", "logistics", ("line",),
        (
            _f("road_id", "str", "road segment id"),
            _f("road_class", "int", "1 = European route, 2 = national, 3 = primary county, "
               "4 = other county, 5 = local"),
            _f("speed_kmh", "float", "speed for travel times, km/h (defaults by class)"),
        ),
    ),
    LayerType(
        "railways", "logistics", ("line",),
        (
            _f("rail_id", "str", "id"),
            _f("track", "str", "single_track, double_track, tunnel"),
        ),
    ),
    LayerType(
        "rail_terminals", "logistics", ("point",),
        (
            _f("terminal_id", "str", "id"),
            _f("name", "str", "name"),
            _f("kind", "str", "intermodal, station, freight"),
        ),
    ),
    LayerType(
        "ports", "logistics", ("point",),
        (
            _f("port_id", "str", "id"),
            _f("name", "str", "name"),
            _f("draught_m", "float", "maximum draught in metres"),
        ),
    ),
    LayerType(
        "airports", "logistics", ("point",),
        (
            _f("airport_id", "str", "id"),
            _f("name", "str", "name"),
            _f("iata", "str", "IATA code"),
        ),
    ),
    LayerType(
        "industrial_sites", "logistics", ("point",),
        (
            _f("name", "str", "site or company name"),
            _f("subsector", "str", "industrial subsector"),
        ),
    ),
    # ---- schools --------------------------------------------------------
    LayerType(
        "schools", "schools", ("point",),
        (
            _f("school_id", "str", "school unit id", unique=True),
            _f("name", "str", "name"),
            _f("school_type", "str", "compulsory, upper_secondary, vocational, university",
               required=True),
            _f("pupils", "float", "pupils or students enrolled"),
            _f("industrial_programme", "bool", "offers an industrial/technical programme"),
        ),
        id_field="school_id",
    ),
    LayerType(
        "municipal_assessment", "land", ("table",),
        (
            _f("kommunkod", "kommunkod", "4-digit municipality code", required=True, unique=True),
            *(_f(fid, "float", f"self-assessment 1-5 of '{fid}' (see siting.data.soft_factors)")
              for fid in factor_ids()),
            _f("detaljplan_months", "float", "typical time to an adopted detaljplan, months"),
            _f("permit_months", "float", "typical time to an environmental permit, months"),
        ),
        id_field="kommunkod",
        description="The municipality's own assessment of how it receives an investor "
                    "(soft factors on anchored 1-5 scales) and its lead times.",
    ),
    # ---- housing --------------------------------------------------------
    LayerType(
        "housing", "housing", ("table",),
        (
            _f("kommunkod", "kommunkod", "4-digit municipality code", required=True, unique=True),
            _f("dwellings", "int", "dwellings in the municipality"),
            _f("vacancy_rate_pct", "float", "vacant rental dwellings, percent"),
            _f("planned_dwellings", "int", "dwellings in adopted plans"),
        ),
        id_field="kommunkod",
    ),
)

LAYER_TYPES: MappingProxyType[str, LayerType] = MappingProxyType({t.name: t for t in _TYPES})


def type_title(name: str, lang: str = "sv") -> str:
    """A layer type's name in user words (``layer_type.<name>``; the id where there is none).

    >>> type_title("flood_zones", "sv"), type_title("my_own_type", "en")
    ('översvämningszoner', 'my_own_type')
    """
    key = f"layer_type.{name}"
    return t(key, lang) if has_key(key, lang) else name


def field_title(name: str, lang: str = "sv") -> str:
    """A canonical field's name in user words (``layer_field.<name>``; else the field name).

    >>> field_title("available_capacity_mw", "en")
    'available capacity (MW)'
    """
    key = f"layer_field.{name}"
    return t(key, lang) if has_key(key, lang) else name
