"""Swedish and English texts of the reports (kept with the reports, one table)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

__all__ = ["TEXTS", "tr"]

_T: dict[str, tuple[str, str]] = {
    # titles
    "dossier": ("Platsdossier", "Site dossier"),
    "compare_report": ("Jämförelse av kommuner", "Municipality comparison"),
    "profile": ("Etableringsprofil", "Establishment profile"),
    "municipality": ("Kommun", "Municipality"),
    "site": ("Område", "Site"),
    "generated": ("Skapad", "Generated"),
    "dataset": ("Dataunderlag", "Dataset"),
    "region": ("Studieområde", "Study area"),
    "page": ("Sida {page} av {pages}", "Page {page} of {pages}"),
    "demo_notice": ("Fiktiva demodata – beskriver ingen verklig plats.",
                    "Fictional demo data – describes no real place."),
    # app buttons
    "download_dossier": ("Ladda ner platsdossier (PDF)", "Download site dossier (PDF)"),
    "download_dossier_html": ("Platsdossier (HTML)", "Site dossier (HTML)"),
    "download_compare": ("Ladda ner jämförelserapport (PDF)",
                         "Download comparison report (PDF)"),
    "download_help": ("Skapas när du klickar (några sekunder), helt utan nätverk.",
                      "Made when you click (a few seconds), fully offline."),
    # summary
    "summary": ("Sammanfattning", "Summary"),
    "verdict_pass": ("Klarar alla skallkrav", "Passes every hard criterion"),
    "verdict_fail": ("Klarar inte {n} av {total} skallkrav",
                     "Fails {n} of {total} hard criteria"),
    "verdict_incomplete": ("{n} skallkrav är okända – att bekräfta",
                           "{n} hard criteria unknown – to confirm"),
    "score": ("Poäng", "Score"),
    "rank": ("Rang", "Rank"),
    "rank_of": ("{rank} av {n} områden", "{rank} of {n} sites"),
    "rank_passing": ("{rank} av {n} områden som klarar skallkraven",
                     "{rank} of {n} sites that pass the hard criteria"),
    "rank_failing": ("rangordnas efter alla områden som klarar skallkraven",
                     "ranked below every site that passes the hard criteria"),
    "p_rank1": ("Sannolikhet för rang 1", "Probability of rank 1"),
    "p_top3": ("Sannolikhet för topp 3", "Probability of a top-3 rank"),
    "acceptability_note": (
        "Rangacceptans: andel av {n} slumpade viktuppsättningar kring profilens vikter "
        "(SMAA) där området hamnar på rang 1 respektive bland de tre bästa.",
        "Rank acceptability: share of {n} random weight sets around the profile's weights "
        "(SMAA) in which the site ranks first or within the top three."),
    # sections
    "key_facts": ("Nyckeluppgifter", "Key facts"),
    "hard_criteria": ("Skallkrav", "Hard criteria"),
    "soft_criteria": ("Börkrav och poäng", "Soft criteria and score"),
    "infrastructure": ("Närmaste infrastruktur", "Nearest infrastructure"),
    "catchment": ("Arbetskraft, skolor och bostäder i pendlingsområdet",
                  "Labour, schools and housing in the catchment"),
    "ranking": ("Rangordning och robusthet", "Rank and robustness"),
    "lessons": ("Erfarenheter från tidigare etableringar", "Lessons from past establishments"),
    "sources": ("Källor och licenser", "Sources and licences"),
    "method": ("Metod och spårbarhet", "Method and provenance"),
    "map": ("Karta", "Map"),
    "overview": ("Översiktskarta", "Overview map"),
    "rationale": ("Motivering av kraven (profilens källor, på engelska)",
                  "Why these requirements (the profile's sources)"),
    # columns
    "col_fact": ("Uppgift", "Item"),
    "col_value": ("Värde", "Value"),
    "col_source": ("Källa (årgång)", "Source (vintage)"),
    "col_criterion": ("Kriterium", "Criterion"),
    "col_measured": ("Uppmätt", "Measured"),
    "col_requirement": ("Krav", "Requirement"),
    "col_result": ("Resultat", "Result"),
    "col_value01": ("Värde 0–1", "Value 0-1"),
    "col_weight": ("Vikt", "Weight"),
    "col_max": ("Högsta möjliga (vikt × 100)", "Maximum (weight × 100)"),
    "col_contribution": ("Bidrag (poäng)", "Contribution (points)"),
    "col_kind": ("Typ", "Type"),
    "col_name": ("Namn", "Name"),
    "col_detail": ("Uppgifter", "Details"),
    "col_distance": ("Avstånd", "Distance"),
    "col_labour": ("Personer 20–64 år", "People aged 20-64"),
    "col_schools": ("Skolor", "Schools"),
    "col_dwellings": ("Bostäder", "Dwellings"),
    "col_vacancy": ("Lediga hyresrätter", "Vacant rentals"),
    "col_planned": ("Planerade bostäder", "Planned dwellings"),
    "col_layer": ("Lager", "Layer"),
    "col_file": ("Fil", "File"),
    "col_attribution": ("Upphov", "Attribution"),
    "col_licence": ("Licens", "Licence"),
    "col_vintage": ("Årgång", "Vintage"),
    "col_case": ("Ärende", "Case"),
    "col_year": ("År", "Year"),
    "col_outcome": ("Utfall", "Outcome"),
    "col_sites": ("Områden", "Sites"),
    "col_pass": ("Ej underkända (varav okända)", "Not failing (of which unknown)"),
    "col_best": ("Bästa poäng", "Best score"),
    "col_best_site": ("Bästa område", "Best site"),
    "col_mean": ("Medelpoäng", "Mean score"),
    "col_status": ("Bedömning", "Verdict"),
    "to_confirm": ("Att bekräfta med nätägaren eller dataägaren",
                   "To confirm with the grid owner or data owner"),
    "col_population": ("Folkmängd", "Population"),
    "col_price_area": ("Elområde", "Price area"),
    "col_reason": ("Vanligaste skäl", "Most common reasons"),
    "col_count": ("Antal", "Count"),
    # statuses
    "pass": ("Uppfyllt", "Met"),
    "fail": ("Ej uppfyllt", "Not met"),
    "unknown": ("Okänt – att bekräfta", "Unknown – to confirm"),
    "no_data": ("saknar data", "no data"),
    "yes": ("ja", "yes"),
    "no": ("nej", "no"),
    # facts
    "fact_area": ("Yta", "Area"),
    "fact_zoning": ("Detaljplan", "Zoning plan"),
    "fact_owner": ("Markägare", "Land owner"),
    "fact_available": ("Tillgänglig från", "Available from"),
    "fact_centre": ("Läge (SWEREF 99 TM, mittpunkt)", "Location (SWEREF 99 TM, centre)"),
    "fact_price_area": ("Elprisområde", "Electricity price area"),
    "fact_population": ("Kommunens folkmängd", "Population of the municipality"),
    "zoning.industrial": ("detaljplan för industri", "industrial zoning plan"),
    "zoning.in_progress": ("detaljplan pågår", "zoning plan in progress"),
    "zoning.none": ("ingen detaljplan", "no zoning plan"),
    "owner.municipal": ("kommunen", "the municipality"),
    "owner.private": ("privat", "private"),
    "owner.state": ("staten", "the state"),
    # infrastructure
    "infra_substation": ("Transformatorstation", "Substation"),
    "infra_rail": ("Järnväg", "Railway"),
    "infra_terminal": ("Järnvägsterminal", "Rail terminal"),
    "infra_road": ("Väg", "Road"),
    "infra_port": ("Hamn", "Port"),
    "infra_airport": ("Flygplats", "Airport"),
    "capacity": ("{mw} MW tillgängligt", "{mw} MW available"),
    "draught": ("djupgående {m} m", "draught {m} m"),
    "road_class": ("vägklass {c}", "road class {c}"),
    "map_caption": (
        "Området (rött) med omgivning: transformatorstationer med tillgänglig kapacitet, "
        "järnväg, vägar och hamn. Koordinatsystem SWEREF 99 TM.",
        "The site (red) and its surroundings: substations with available capacity, rail, "
        "roads and port. Coordinate system SWEREF 99 TM."),
    # catchment
    "catchment_intro": (
        "Pendlingsområde: {minutes} minuter ({method}). Mätningen stannar inte vid "
        "kommun- eller länsgränser.",
        "Catchment: {minutes} minutes ({method}). Measurements do not stop at municipal or "
        "county borders."),
    "method_network": ("restid längs vägnätet", "travel time over the road network"),
    "method_straight_line": ("fågelvägen med omvägsfaktor", "straight line with a detour factor"),
    "total": ("Totalt", "Total"),
    "track.single_track": ("enkelspår", "single track"),
    "track.double_track": ("dubbelspår", "double track"),
    "track.tunnel": ("tunnel", "tunnel"),
    "terminal.intermodal": ("kombiterminal", "intermodal terminal"),
    "terminal.station": ("station", "station"),
    "terminal.freight": ("godsterminal", "freight terminal"),
    "catchment_total": ("Totalt inom {minutes} minuter", "Total within {minutes} minutes"),
    "outside_study": ("utanför studieområdet", "outside the study area"),
    "schools_radius": ("Skolor inom {km} km", "Schools within {km} km"),
    "school.compulsory": ("grundskola", "compulsory school"),
    "school.upper_secondary": ("gymnasieskola", "upper-secondary school"),
    "school.vocational": ("yrkeshögskola", "vocational college"),
    "school.university": ("universitet/högskola", "university"),
    "industrial_programme": ("industriprogram", "industrial programme"),
    "no_population": ("Inget befolkningslager finns; arbetskraften kan inte redovisas.",
                      "No population layer is loaded; the labour pool cannot be shown."),
    # ranking
    "sweep_title": ("Hur mycket får vikterna ändras innan bästa område byts?",
                    "How far may the weights move before the top site changes?"),
    "sweep_range": ("{low}–{high} (nu {now})", "{low}-{high} (now {now})"),
    "top_site": ("Bästa område just nu: {site}", "Current top site: {site}"),
    "contrib_chart": ("Bidrag till poängen per kriterium", "Contribution to the score by criterion"),
    "aggregation.weighted_sum": ("viktad summa", "weighted sum"),
    "aggregation.topsis": ("TOPSIS", "TOPSIS"),
    "aggregation.cautious": ("försiktig (viktat minimum)", "cautious (weighted minimum)"),
    "score_note": ("Poäng 0–100 med {method}; bidragen är vikt × värde × 100.",
                   "Score 0-100 by {method}; contributions are weight × value × 100."),
    # lessons
    "lessons_none": ("Utfallsloggen användes inte för den här dossiern.",
                     "No outcome log was used for this dossier."),
    "lessons_no_cases": ("Utfallsloggen har inga avgjorda ärenden för branschen {industry}.",
                         "The outcome log has no decided cases for the industry {industry}."),
    "lessons_failed": ("Modellen kunde inte skattas: {why}", "The model could not be fitted: {why}"),
    "win_probability": ("Modellens vinstsannolikhet för området",
                        "The model's win probability for this site"),
    "interval": ("{level} intervall {low}–{high}", "{level} interval {low}-{high}"),
    "indicative": ("Indikativt: få ärenden, tolka med försiktighet.",
                   "Indicative: few cases, read with caution."),
    "relative": ("Relativ sannolikhet (vinnare mot bakgrundsplatser).",
                 "Relative probability (winners against background locations)."),
    "cases_used": ("{n} ärenden ({won} vunna, {lost} förlorade)",
                   "{n} cases ({won} won, {lost} lost)"),
    "nearest_cases": ("Närmaste jämförbara ärenden", "Nearest comparable cases"),
    "confidential_excluded": (
        "{n} konfidentiella ärenden är uteslutna (ta med dem uttryckligen med "
        "--include-confidential).",
        "{n} confidential cases are left out (include them explicitly with "
        "--include-confidential)."),
    "confidential_included": ("Konfidentiella ärenden ingår på användarens begäran.",
                              "Confidential cases are included at the user's request."),
    "outcome.won": ("vunnen", "won"),
    "outcome.lost": ("förlorad", "lost"),
    "outcome.withdrawn": ("återtagen", "withdrawn"),
    "outcome.ongoing": ("pågående", "ongoing"),
    # method
    "profile_hash": ("Profilens kontrollsumma", "Profile checksum"),
    "catalog": ("Lagerkatalog", "Layer catalogue"),
    "buffer": ("Grannskapsbuffert", "Neighbourhood buffer"),
    "not_evaluated_list": ("Ej utvärderade kriterier", "Criteria not evaluated"),
    "reproduce": ("Återskapa med", "Reproduce with"),
    # comparison
    "compare_intro": (
        "{n} kommuner jämförda med profilen {profile}; {sites} kandidatområden, varav {ok} "
        "klarar skallkraven.",
        "{n} municipalities compared with the profile {profile}; {sites} candidate sites, "
        "{ok} of which pass the hard criteria."),
    "compare_table": ("Jämförelsetabell", "Comparison table"),
    "per_municipality": ("Kommunerna en och en", "Municipality by municipality"),
    "top_sites": ("Bästa områden", "Best sites"),
    "no_passing": ("Inget område klarar skallkraven.", "No site passes the hard criteria."),
    "muni_summary": ("{sites} områden, {ok} underkänns inte av något skallkrav.",
                     "{sites} sites, {ok} fail no hard criterion."),
    "soft_self": ("Kommunens självskattning (1–5)", "Municipal self-assessment (1-5)"),
    "criteria_values": ("Medelvärde per kriterium (0–1)", "Mean value per criterion (0-1)"),
    "heatmap_note": (
        "Medelvärde (0–1) av börkravens värden över kommunens områden som klarar "
        "skallkraven; saknas sådana används alla områden, så att det syns var kommunen "
        "brister.",
        "Mean soft-criterion value (0-1) over the municipality's sites that pass the hard "
        "criteria; where none pass, over all its sites, so the gaps show."),
    "compare_map_caption": (
        "Kommunerna färgade efter bästa poäng; områden som klarar skallkraven är gröna, "
        "övriga grå.",
        "Municipalities coloured by best score; sites that pass the hard criteria green, "
        "others grey."),
    "legend_site": ("Området", "The site"),
    "legend_other_sites": ("Andra kandidatområden", "Other candidate sites"),
    "legend_rail": ("Järnväg", "Railway"),
    "legend_road": ("Större väg", "Major road"),
    "legend_grid": ("Kraftledning", "Power line"),
    "legend_protected": ("Skyddad natur", "Protected area"),
    "legend_flood": ("Översvämning (100 år)", "Flood zone (100 yr)"),
    "legend_built": ("Tätort", "Built-up area"),
    "legend_substation": ("Station (kV, MW)", "Substation (kV, MW)"),
    "legend_port": ("Hamn", "Port"),
    "legend_terminal": ("Järnvägsterminal", "Rail terminal"),
    "legend_pass": ("Klarar skallkraven", "Passes hard criteria"),
    "legend_fail": ("Klarar inte skallkraven", "Fails hard criteria"),
    "legend_border": ("Kommungräns", "Municipal border"),
}

TEXTS: MappingProxyType[str, tuple[str, str]] = MappingProxyType(_T)


def tr(key: str, lang: str, **kwargs: Any) -> str:
    """The text ``key`` in ``lang`` ('sv' or 'en'), formatted with ``kwargs``.

    Unknown keys return the key itself (visible, never a crash).
    """
    pair = TEXTS.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "sv" else pair[1]
    return text.format(**kwargs) if kwargs else text
