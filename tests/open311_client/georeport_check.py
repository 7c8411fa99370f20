"""Drives the published Open311 client georeport 0.3.1 (PyPI, not ours)
against a live Sigap, in JSON and in XML, and checks what it reads back.

    georeport_check.py <root URL, e.g. http://127.0.0.1:8080/open311/v2> <api_key>

georeport 0.3.1 reads (services, a service definition, requests, one
request) but has no method to file one, and keeps an api_key without ever
sending it. So the request is filed with `requests` (the client's own HTTP
library) as GeoReport v2 specifies, and every read the client makes is a
public read: it must show status, service, unit and times, and nothing the
reporter wrote or where they are.

Prints one line per check; exits 1 when any fails.
"""

import sys

import requests
import xmltodict
from georeport import GeoReport, __version__

PERSONAL = ["Siti", "Aminah", "81234567890", "Jorong Koto Tuo", "kursi roda", "-0.69", "100.95"]
PRIVATE_FIELDS = ["description", "address", "lat", "long", "media_url", "first_name", "phone"]

failures = []


def check(name, condition, detail=""):
    print(f"{'ok  ' if condition else 'FAIL'} {name}{': ' + str(detail) if not condition else ''}")
    if not condition:
        failures.append(name)


def as_list(value):
    """xmltodict gives one element as a dict, several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def file_request(root, api_key, fmt):
    """POST requests.<fmt> as GeoReport v2 specifies (a form); the ticket."""
    response = requests.post(
        f"{root}/requests.{fmt}",
        data={
            "api_key": api_key,
            "jurisdiction_id": "sigap",
            "service_code": "elderly",
            "lat": "-0.69",
            "long": "100.95",
            "address_string": "Jorong Koto Tuo, Kec. Kamang Baru",
            "description": "Lansia tinggal sendiri, butuh kursi roda.",
            "first_name": "Siti",
            "last_name": "Aminah",
            "phone": "081234567890",
            "attribute[urgency]": "high",
        },
        timeout=30,
    )
    check(f"{fmt}: POST requests.{fmt} is 201", response.status_code == 201, response.text)
    if fmt == "json":
        check("json: POST answers JSON", response.headers["Content-Type"].startswith("application/json"))
        return response.json()[0]["service_request_id"]
    check(
        "xml: POST answers text/xml",
        response.headers["Content-Type"] == "text/xml; charset=utf-8",
        response.headers["Content-Type"],
    )
    created = xmltodict.parse(response.content)["service_requests"]["request"]
    return created["service_request_id"]


def drive(root, api_key, fmt):
    client = GeoReport(root, jurisdiction="sigap", api_key=api_key, output_format=fmt)

    services = as_list(client.get_service_list())
    codes = [s["service_code"] for s in services]
    check(f"{fmt}: services list the categories", "elderly" in codes and len(codes) == 8, codes)
    elderly = next(s for s in services if s["service_code"] == "elderly")
    check(f"{fmt}: a service has its name", elderly["service_name"] == "Elderly person", elderly)

    definition = client.get_service_definition("elderly")
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = as_list(attributes["attribute"])
    check(
        f"{fmt}: the service definition lists its attributes",
        definition["service_code"] == "elderly"
        and [a["code"] for a in attributes] == ["region_code", "need", "urgency"],
        definition,
    )

    ticket = file_request(root, api_key, fmt)
    check(f"{fmt}: the request gets a ticket", str(ticket).startswith("CC-"), ticket)

    request = client.get_service_request(ticket)
    check(f"{fmt}: the request reads back by id", request["service_request_id"] == ticket, request)
    check(f"{fmt}: it is open", request["status"] == "open", request)
    check(f"{fmt}: with its service", request["service_code"] == "elderly", request)
    check(
        f"{fmt}: a read without api_key shows no private field",
        not any(field in request for field in PRIVATE_FIELDS),
        sorted(request),
    )
    check(
        f"{fmt}: nor any personal text",
        not any(text in str(request) for text in PERSONAL),
        request,
    )

    listed = as_list(client.get_service_requests(service_request_id=ticket))
    check(
        f"{fmt}: the list by id holds it",
        [r["service_request_id"] for r in listed] == [ticket],
        listed,
    )
    listed = as_list(client.get_service_requests(service_code="elderly", status="open"))
    check(
        f"{fmt}: the filtered list holds it",
        ticket in [r["service_request_id"] for r in listed],
        listed,
    )
    check(
        f"{fmt}: the list shows no personal text",
        not any(text in str(listed) for text in PERSONAL),
        listed,
    )
    return ticket


def main():
    root, api_key = sys.argv[1], sys.argv[2]
    print(f"georeport {__version__} against {root}")
    tickets = [drive(root, api_key, fmt) for fmt in ("json", "xml")]
    print("tickets:", " ".join(tickets))
    if failures:
        print(f"{len(failures)} checks failed")
        sys.exit(1)


if __name__ == "__main__":
    main()
