"""Publishing a WSDL: the same file, with the endpoint address and schema locations made absolute
so that a client fetching `<endpoint>?wsdl` can follow every import over HTTP."""

from __future__ import annotations

from lxml import etree

from contracts.catalogue import WSDL_ROOT, Interaction

__all__ = ["SCHEMA_PATH_PREFIX", "published_wsdl", "schema_file"]

SCHEMA_PATH_PREFIX = "/contracts/wsdl"
_WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
_SOAP_BINDING_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
_XS_NS = "http://www.w3.org/2001/XMLSchema"


def published_wsdl(interaction: Interaction, base_url: str) -> bytes:
    """The interaction's WSDL, addressed at `base_url` + its path; schemas under SCHEMA_PATH_PREFIX."""
    base = base_url.rstrip("/")
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    document = etree.parse(str(interaction.wsdl_file), parser)
    folder = interaction.wsdl_file.parent.relative_to(WSDL_ROOT).as_posix()
    for element in document.iter(f"{{{_XS_NS}}}import", f"{{{_XS_NS}}}include"):
        location = element.get("schemaLocation")
        if location and "://" not in location:
            element.set("schemaLocation", f"{base}{SCHEMA_PATH_PREFIX}/{_normalise(folder, location)}")
    for address in document.iter(f"{{{_SOAP_BINDING_NS}}}address"):
        address.set("location", f"{base}{interaction.path}")
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8")


def _normalise(folder: str, relative: str) -> str:
    parts: list[str] = folder.split("/") if folder else []
    for piece in relative.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def schema_file(relative_path: str) -> bytes | None:
    """A schema or WSDL file under contracts/wsdl by its published relative path; None if there is
    no such file or the path tries to leave the folder."""
    candidate = (WSDL_ROOT / relative_path).resolve()
    if WSDL_ROOT not in candidate.parents or candidate.suffix not in {".xsd", ".wsdl"}:
        return None
    if not candidate.is_file():
        return None
    return candidate.read_bytes()
