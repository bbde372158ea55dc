"""Sweden's 21 regions with their county codes (länskoder), as the national list gives them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["REGIONS", "Region", "region_by_code"]


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # county code, two digits
    name: str
    organisation_number: str  # ten digits, the region's HSA-id prefix (SE<orgnr>-…)
    towns: tuple[str, ...]

    @property
    def hsa_id(self) -> str:
        return f"SE{self.organisation_number}-R{self.code}"


# Organisation numbers in the HSA-id form SE<orgnr>-...; Stockholm's (2321000016) is its real one, the others are
# made up in the same form for the simulators.
REGIONS: tuple[Region, ...] = (
    Region("01", "Region Stockholm", "2321000016", ("Stockholm", "Solna", "Huddinge", "Södertälje", "Norrtälje")),
    Region("03", "Region Uppsala", "2321000024", ("Uppsala", "Enköping", "Östhammar", "Tierp")),
    Region("04", "Region Sörmland", "2321000032", ("Eskilstuna", "Nyköping", "Katrineholm", "Strängnäs")),
    Region("05", "Region Östergötland", "2321000040", ("Linköping", "Norrköping", "Motala", "Finspång")),
    Region("06", "Region Jönköpings län", "2321000057", ("Jönköping", "Värnamo", "Nässjö", "Eksjö")),
    Region("07", "Region Kronoberg", "2321000065", ("Växjö", "Ljungby", "Älmhult")),
    Region("08", "Region Kalmar län", "2321000073", ("Kalmar", "Västervik", "Oskarshamn", "Vimmerby")),
    Region("09", "Region Gotland", "2021000837", ("Visby", "Hemse", "Slite")),
    Region("10", "Region Blekinge", "2321000081", ("Karlskrona", "Karlshamn", "Ronneby")),
    Region("12", "Region Skåne", "2321000255", ("Malmö", "Lund", "Helsingborg", "Kristianstad", "Ystad")),
    Region("13", "Region Halland", "2321000115", ("Halmstad", "Varberg", "Falkenberg", "Kungsbacka")),
    Region("14", "Västra Götalandsregionen", "2321000131", ("Göteborg", "Borås", "Trollhättan", "Skövde")),
    Region("17", "Region Värmland", "2321000156", ("Karlstad", "Arvika", "Kristinehamn", "Torsby")),
    Region("18", "Region Örebro län", "2321000164", ("Örebro", "Karlskoga", "Lindesberg")),
    Region("19", "Region Västmanland", "2321000172", ("Västerås", "Köping", "Sala")),
    Region("20", "Region Dalarna", "2321000180", ("Falun", "Borlänge", "Mora", "Ludvika")),
    Region("21", "Region Gävleborg", "2321000198", ("Gävle", "Sandviken", "Hudiksvall", "Bollnäs")),
    Region("22", "Region Västernorrland", "2321000206", ("Sundsvall", "Härnösand", "Örnsköldsvik")),
    Region("23", "Region Jämtland Härjedalen", "2321000214", ("Östersund", "Sveg", "Strömsund")),
    Region("24", "Region Västerbotten", "2321000222", ("Umeå", "Skellefteå", "Lycksele")),
    Region("25", "Region Norrbotten", "2321000230", ("Luleå", "Piteå", "Kiruna", "Boden")),
)

_BY_CODE = {region.code: region for region in REGIONS}


def region_by_code(code: str) -> Region:
    try:
        return _BY_CODE[code.zfill(2)]
    except KeyError:
        raise KeyError(f"no region with county code {code!r}") from None
