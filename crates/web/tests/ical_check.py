#!/usr/bin/env python3
"""An independent reading of a Trainyard calendar feed, for crates/web/tests/feeds.rs.

Reads an iCalendar document on stdin, parses it with the `icalendar` package (the parser many
Python calendar tools use; pin: icalendar==6.1.0) and prints JSON:

    {"calendar": {...}, "events": [{"uid", "sequence", "status", "dtstart", "dtend", "summary", ...}],
     "problems": [...]}

`dtstart`/`dtend` are UTC ISO strings (`2026-03-27T08:00:00Z`). `problems` lists what a strict
client could trip over: lines not ending in CRLF, lines longer than 75 octets, instants that are not
UTC, components the parser had to repair. Exit status 3 (with MISSING-ICALENDAR on stderr) means
the `icalendar` package is not installed; 2 means the text could not be parsed at all.
"""

import json
import sys
from datetime import datetime, timezone

try:
    import icalendar
except ImportError:
    print("MISSING-ICALENDAR: install it with: python3 -m pip install 'icalendar==6.1.0'", file=sys.stderr)
    sys.exit(3)


def utc_iso(value, what, problems):
    if not isinstance(value, datetime):
        problems.append(f"{what} is a {type(value).__name__}, not a date-time")
        return str(value)
    if value.tzinfo is None or value.utcoffset() is None:
        problems.append(f"{what} is a floating time, not UTC")
        return value.isoformat()
    if value.utcoffset().total_seconds() != 0:
        problems.append(f"{what} is not in UTC form")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def text(component, name):
    value = component.get(name)
    return None if value is None else str(value)


def main():
    raw = sys.stdin.buffer.read()
    problems = []
    # RFC 5545 §3.1: content lines end in CRLF and are folded to at most 75 octets.
    if raw and not raw.endswith(b"\r\n"):
        problems.append("the document does not end with CRLF")
    for n, line in enumerate(raw.split(b"\r\n"), start=1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {n} has a bare LF or CR")
        if len(line) > 75:
            problems.append(f"line {n} is {len(line)} octets long (more than 75)")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append(f"not UTF-8: {e}")
    try:
        cal = icalendar.Calendar.from_ical(raw)
    except Exception as e:  # noqa: BLE001 - any parse failure is the answer
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        sys.exit(2)

    for component in cal.walk():
        for err in getattr(component, "errors", []) or []:
            problems.append(f"{component.name}: parser repaired {err}")

    events = []
    for ev in cal.walk("VEVENT"):
        for required in ("UID", "DTSTAMP", "DTSTART"):
            if ev.get(required) is None:
                problems.append(f"an event has no {required}")
        uid = text(ev, "UID")
        events.append(
            {
                "uid": uid,
                "sequence": int(ev.get("SEQUENCE", 0)),
                "status": text(ev, "STATUS"),
                "dtstart": utc_iso(ev.decoded("DTSTART"), f"{uid} DTSTART", problems),
                "dtend": utc_iso(ev.decoded("DTEND"), f"{uid} DTEND", problems)
                if ev.get("DTEND") is not None
                else None,
                "dtstamp": utc_iso(ev.decoded("DTSTAMP"), f"{uid} DTSTAMP", problems)
                if ev.get("DTSTAMP") is not None
                else None,
                "summary": text(ev, "SUMMARY"),
                "location": text(ev, "LOCATION"),
                "description": text(ev, "DESCRIPTION"),
                "url": text(ev, "URL"),
            }
        )
    uids = [e["uid"] for e in events]
    if len(set(uids)) != len(uids):
        problems.append("two events share a UID")

    print(
        json.dumps(
            {
                "calendar": {
                    "version": text(cal, "VERSION"),
                    "prodid": text(cal, "PRODID"),
                    "method": text(cal, "METHOD"),
                    "calscale": text(cal, "CALSCALE"),
                    "name": text(cal, "X-WR-CALNAME"),
                },
                "events": events,
                "problems": problems,
                "parser": f"icalendar {icalendar.__version__}",
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
