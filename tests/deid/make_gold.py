#!/usr/bin/python3
"""Writes tests/deid/gold_notes.jsonl: synthetic clinical notes with planted
identifiers and their gold spans (docs/deid.md, "Gold format").

Deterministic: a fixed seed and Python's own random module, so running it
again writes the same bytes (the test suite checks the committed file, and
tests/deid/gold_file_test compares a fresh run with it). Every person, number
and place is invented. Notes come in the styles real ones have: headers,
SOAP sections, lists, abbreviations, telephone messages, letters, signatures;
names that are also words (Hope, Will, Rose); dates in many formats; and
distractors that are not identifiers (doses 5/325 mg, vitals 120/80, lab
values, ICD codes, years alone, ages under 90).

It also turns hand-written notes with inline marks into the same format
(--markup FILE; tests/deid/handwritten_notes.txt says how they are marked).

Usage: make_gold.py [--out FILE] [--notes N]
       make_gold.py --markup handwritten_notes.txt [--out FILE]
"""

import argparse
import json
import random
import re
import sys

SEED = 20261207

FIRST = ["Hope", "Will", "Rose", "Grace", "Faith", "Joy", "Mark", "Bill",
         "Ruby", "Holly", "Dawn", "June", "April", "Sunny", "Frank",
         "John", "Maria", "Priya", "Wei", "Dmitri", "Aaliyah", "Xavier",
         "Margaret", "Thelma", "Harold", "Eugene", "Fatima", "Kenji",
         "José", "Zoë", "Siobhan", "Oluwaseun", "Thaddeus", "Marisol",
         "Kwame", "Ximena", "Bartholomew", "Tendai", "Leocadia", "Ignatius",
         "Elizabeth", "Robert", "Patricia", "Samuel", "Nora", "Darnell"]
LAST = ["Garcia", "Okonkwo", "Kowalski", "Abernathy", "Brown", "White",
        "Young", "King", "Stone", "O'Brien", "McAllister", "Smith-Jones",
        "Núñez", "Nakamura", "Thibodeaux", "Vandermolen", "Quispe",
        "Ferreira", "Adebayo", "Lindqvist", "Patel", "Nguyen", "Rossi",
        "Hernandez", "Chen", "Whitaker", "Delacroix", "Oyelaran",
        "Szczepanski", "Hargreaves", "Mbeki", "Castellano", "Fairbanks"]
CITIES = ["Springfield", "Ann Arbor", "Shelbyville", "Cedar Rapids",
          "Fort Wayne", "Eau Claire", "Bowling Green", "Kalamazoo",
          "Terre Haute", "Oak Ridge", "Port Huron", "Lake Charles"]
STATES = ["IL", "MI", "OH", "WI", "IA", "KY", "TN", "TX", "NY", "CA", "MA",
          "GA", "Ohio", "Michigan", "Texas"]
COUNTIES = ["Marion County", "Cook County", "Washtenaw County",
            "Orleans Parish", "Kent County", "Dane County"]
STREETS = ["Oak", "Maple", "Elm", "Main", "Cedar", "Lincoln", "Washington",
           "Pine", "Lakeview", "Sycamore", "Hillcrest", "12th", "3rd"]
SUFFIX = ["Street", "St", "Avenue", "Ave", "Road", "Rd", "Drive", "Lane",
          "Blvd", "Court", "Way", "Terrace"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]
ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"]
CREDS = ["MD", "RN", "NP", "DO", "PA-C", "MD, PhD", "LCSW"]
DOMAINS = ["example.org", "mail.example.com", "example.net", "clinic.example.edu"]

DISTRACTORS = [
    "Percocet 5/325 mg 1 tab PO q6h PRN pain.",
    "BP 120/80, HR 72, RR 16, T 98.6F, SpO2 97% RA.",
    "BP rose to 168/94 overnight; will recheck.",
    "Labs: Na 138, K 4.1, Cl 102, CO2 24, BUN 18, Cr 1.1, Glu 142.",
    "HbA1c 7.2% (goal <7%).",
    "Dx: type 2 diabetes mellitus (E11.9), essential hypertension (I10).",
    "CAP, ICD-10 J18.9, treated with ceftriaxone 1 g IV q24h.",
    "Diagnosed with breast cancer in 2015, s/p lumpectomy.",
    "Smoker since 1998, 20 pack-years.",
    "Take 1/2 tab of metoprolol 25 mg at night.",
    "Hydrocodone-APAP 10/325 mg, #20, no refills.",
    "Will follow up in clinic in 2 weeks.",
    "May need repeat imaging if symptoms persist.",
    "We hope the swelling improves with elevation.",
    "Mark the site before the procedure.",
    "Brown sputum, no hemoptysis.",
    "A&O x3, GCS 15, pupils 3 mm and reactive.",
    "EF 55-60% on echo; no wall motion abnormality.",
    "Gravida 2 para 2; LMP unknown.",
    "O2 2L NC, weaned to RA by 14:30.",
    "Stage 3 CKD, eGFR 48.",
    "WBC 11.2, Hgb 10.4, Plt 245, INR 1.1.",
    "Patient is a 67-year-old woman with COPD.",
    "Her mother died at age 82 of a stroke.",
    "Father, 88, has dementia.",
    "Aspirin 81 mg daily; atorvastatin 40 mg qHS.",
    "Insulin glargine 20 units qHS, lispro 4 units with meals.",
    "Temp max 101.2, now afebrile x 24 h.",
    "Ratio 3/4 of doses taken per pill count.",
    "Grace period for the prior authorization ends soon.",
    "Pain 7/10, improved to 3/10 after ketorolac.",
    "Follow-up CT in 3-6 months.",
    "Room 4 East, bed 2.",
    "Glucose 180-220 overnight.",
    "Vitamin D 1000 IU daily since 2019.",
    "Age 45 at diagnosis.",
    "Tremor consistent with Parkinson disease; no Murphy sign.",
    "History of Hodgkin lymphoma, treated 2004; Graves disease on methimazole.",
    "Left Bell palsy, resolving. Negative Homans sign.",
    "Crohn disease flare; Wilson disease ruled out (ceruloplasmin normal).",
    "Foley catheter removed; voiding spontaneously.",
    "Alzheimer dementia, MMSE 18/30.",
    "Glasgow Coma Scale 14 (E4V4M6).",
    "Apgars 8 and 9.",
    "Implant: cemented stem, lot 4471, REF 5950-22.",
    "Software v2.1.0.3 on the infusion pump.",
    "Ratio 1:1 with normal saline.",
    "Room 412, bed B.",
    "Sig: 1 tab PO BID. Disp: #30. Refills: 2.",
    "Order #55128 placed for CBC with diff.",
    "Hope for recovery is guarded.",
    "Will need PT/OT evaluation.",
    "Rose from chair without assistance.",
    "Grace period noted by billing office.",
    "Frank blood per rectum, no melena.",
    "Bill sent to the insurer.",
    "Mark Twain quote on the whiteboard.",
    "Attending: Critical Care Team.",
    "Spoke with Case Management about placement.",
    "Discussed with Cardiology and Nephrology.",
    "Dr. Appointment scheduled by the front desk.",
    "Seen by PT and OT today.",
    "Grade 3/6 systolic murmur; Gleason 3+4=7.",
]


class Note:
    """Text built from pieces; planted pieces become gold spans."""

    def __init__(self, note_id):
        self.id = note_id
        self.buf = bytearray()
        self.spans = []

    def t(self, s):
        self.buf += s.encode("utf-8")
        return self

    def p(self, s, typ):
        start = len(self.buf)
        self.buf += s.encode("utf-8")
        self.spans.append({"end": len(self.buf), "start": start,
                           "text": s, "type": typ})
        return self

    def line(self):
        text = self.buf.decode("utf-8")
        spans = sorted(self.spans, key=lambda s: (s["start"], s["type"]))
        return json.dumps({"id": self.id, "spans": spans, "text": text},
                          ensure_ascii=False, sort_keys=True)


class Gen:
    """Planted identifiers: each method appends text with its gold span."""

    def __init__(self, rnd):
        self.r = rnd

    def pick(self, xs):
        return self.r.choice(xs)

    def digits(self, n):
        return "".join(self.r.choice("0123456789") for _ in range(n))

    def full_name(self):
        first, last = self.pick(FIRST), self.pick(LAST)
        k = self.r.random()
        if k < 0.15:
            return "%s %s. %s" % (first, self.pick("ABCDEJKLMRST"), last)
        return "%s %s" % (first, last)

    # --- dates -----------------------------------------------------------
    def date(self, n):
        r = self.r
        y, m, d = r.randint(1925, 2025), r.randint(1, 12), r.randint(1, 28)
        suf = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(d, "th")
        forms = [
            "%02d/%02d/%d" % (m, d, y), "%d/%d/%02d" % (m, d, y % 100),
            "%d-%d-%02d" % (m, d, y % 100), "%d-%02d-%02d" % (y, m, d),
            "%s %d%s, %d" % (MONTHS[m - 1], d, suf, y),
            "%s %d, %d" % (MONTHS[m - 1], d, y), "%s %d %d" % (ABBR[m - 1], d, y),
            "%d %s %d" % (d, ABBR[m - 1], y), "%d%s of %s" % (d, suf, MONTHS[m - 1]),
            "%02d-%s-%d" % (d, ABBR[m - 1].upper(), y), "%s %d" % (MONTHS[m - 1], y),
            "%s %d%s" % (MONTHS[m - 1], d, suf), "%02d.%02d.%d" % (d, m, y),
        ]
        n.p(r.choice(forms), "date")

    def date_phrase(self, n):
        """A date inside a phrase whose words are not part of the span."""
        r = self.r
        k = r.randint(0, 2)
        if k == 0:
            n.t("on the ").p(r.choice(["4th", "11th", "21st", "23rd"]), "date")
        elif k == 1:
            n.t(r.choice(["since ", "in early ", "until "])).p(
                r.choice(MONTHS[:4] + MONTHS[5:]), "date")
        else:
            n.t(r.choice(["on ", "seen ", "DOS: "])).p(
                "%d/%d" % (r.randint(1, 12), r.randint(1, 28)), "date")

    # --- numbers and addresses -------------------------------------------
    def phone(self, n, typ="phone"):
        a, b, c = self.r.randint(201, 989), self.r.randint(200, 999), self.digits(4)
        forms = ["(%d) %d-%s" % (a, b, c), "%d-%d-%s" % (a, b, c),
                 "%d.%d.%s" % (a, b, c), "+1 %d %d %s" % (a, b, c),
                 "%d-%d-%s ext. %d" % (a, b, c, self.r.randint(10, 999))]
        n.p(self.pick(forms), typ)

    def email(self, n):
        n.p("%s.%s%d@%s" % (self.pick(FIRST).lower().replace("é", "e").replace("ë", "e"),
                            self.pick(["g", "k", "m", "t"]), self.r.randint(1, 99),
                            self.pick(DOMAINS)), "email")

    def url(self, n):
        forms = ["https://mychart.example.org/patient/%s" % self.digits(6),
                 "www.caringbridge.org/visit/%s%s" % (self.pick(["hope", "will", "rose"]), self.digits(3)),
                 "http://portal.example.net/records?id=%s" % self.digits(7),
                 "facebook.com/%s.%s" % (self.pick(["hgarcia", "wkowalski", "rking"]), self.digits(2))]
        n.p(self.pick(forms), "url")

    def ip(self, n):
        forms = ["192.168.%d.%d" % (self.r.randint(0, 255), self.r.randint(1, 254)),
                 "10.%d.%d.%d" % (self.r.randint(0, 255), self.r.randint(0, 255), self.r.randint(1, 254)),
                 "2001:db8::%x:%x" % (self.r.randint(1, 65535), self.r.randint(1, 65535))]
        n.p(self.pick(forms), "ip")

    def street(self, n):
        r = self.r
        k = r.random()
        if k < 0.1:
            n.p("PO Box %d" % r.randint(10, 9999), "address")
            return
        s = "%d %s%s %s" % (r.randint(1, 9999), r.choice(["", "", "N. ", "West "]),
                            r.choice(STREETS), r.choice(SUFFIX))
        if k > 0.75:
            s += r.choice([", Apt 4B", " Apt. %d" % r.randint(1, 40), ", Unit %d" % r.randint(1, 9)])
        n.p(s, "address")

    def city_state_zip(self, n):
        n.p(self.pick(CITIES), "location").t(", %s " % self.pick(STATES))
        z = self.digits(5) if self.r.random() < 0.8 else "%s-%s" % (self.digits(5), self.digits(4))
        n.p(z, "zip")

    def labelled(self, n, label, value, typ):
        n.t(label).p(value, typ)

    def identifier(self, n, typ):
        r, d = self.r, self.digits
        choices = {
            "ssn": [("SSN: ", "%s-%s-%s" % (d(3), d(2), d(4))), ("SSN ", d(9)),
                    ("Social Security number ", "%s-%s-%s" % (d(3), d(2), d(4)))],
            "mrn": [("MRN: ", d(8)), ("MRN ", d(7)), ("Medical record #: ", "A" + d(7)),
                    ("MR#: ", d(7)), ("Medical Record Number: ", "%s-%s" % (d(3), d(5)))],
            "health_plan": [("Member ID: ", "XJH" + d(9)), ("Policy #: ", "%s-%s" % (d(5), d(2))),
                            ("Medicaid ID: ", d(8) + "A"), ("Medicare: ", "1EG4-TE5-MK%s" % d(2)),
                            ("Group #: ", d(6)), ("Subscriber ID ", "W" + d(8))],
            "account": [("Acct #: ", d(9)), ("Account number ", d(8)),
                        ("Encounter #: ", "E%s-%s" % (d(8), d(2))), ("FIN: ", d(7)),
                        ("Billing #: ", "B" + d(6))],
            "license": [("DL: ", "D" + d(7)), ("Driver's license ", "S%s-%s-%s" % (d(3), d(4), d(4))),
                        ("DEA: ", "AB" + d(7)), ("NPI ", d(10)), ("License #: ", "MD-" + d(5))],
            "vehicle": [("license plate ", "%s%s%s" % (d(1), "ABC", d(3))), ("plate: ", "KLM " + d(4)),
                        ("VIN: ", "1HGCM8%sA%s" % (d(4), d(6))), ("", "1FTFW1ET5D" + "FC" + d(5))],
            "device": [("pacemaker serial number ", "PJN" + d(6)), ("S/N: ", "%s-XT-%s" % (d(4), d(4))),
                       ("insulin pump serial: ", d(8)), ("UDI: ", "(01)00643169%s(17)250101" % d(6)),
                       ("device ID ", "ICD-" + d(7))],
        }
        label, value = r.choice(choices[typ])
        n.t(label).p(value, typ)

    def old_age(self, n, adjective=False):
        """An age over 89; with `adjective`, a form that fits "is a ___"."""
        r = self.r
        a = r.randint(90, 104)
        k = r.choice([0, 1, 2, 6]) if adjective else r.randint(0, 6)
        if k == 0:
            n.t("" if adjective else "a ").p(str(a), "age").t("-year-old")
        elif k == 1:
            n.p(str(a), "age").t(" yo")
        elif k == 2:
            n.p(str(a), "age").t(" y/o")
        elif k == 3:
            n.t("age ").p(str(a), "age")
        elif k == 4:
            n.t("Age: ").p(str(a), "age")
        elif k == 5:
            n.t("aged ").p(str(a), "age")
        else:
            n.p("ninety-%s" % r.choice(["two", "three", "six"]), "age").t("-year-old")


# --- Note templates: each writes one note through a Note and a Gen ---------

def distract(g, n, k=2):
    for _ in range(k):
        n.t(g.pick(DISTRACTORS) + " ")


def person(g, n, title=True):
    """A clinician's name after a title or role, in one of the usual forms."""
    r = g.r
    k = r.randint(0, 4)
    if k == 0:
        n.t("Dr. ").p(g.pick(LAST), "name")
    elif k == 1:
        n.t("Dr. ").p(g.full_name(), "name")
    elif k == 2:
        n.p(g.full_name(), "name").t(", " + g.pick(CREDS))
    elif k == 3:
        n.t("Dr ").p(g.full_name(), "name")
    else:
        n.p(g.full_name(), "name").t(" " + g.pick(["MD", "RN", "NP"]))


def header(g, n, title):
    r = g.r
    first, last = g.pick(FIRST), g.pick(LAST)
    n.t(title + "\n")
    if r.random() < 0.5:
        n.t("Patient: ").p("%s, %s" % (last.upper(), first.upper()), "name")
    else:
        n.t("Patient Name: ").p("%s %s" % (first, last), "name")
    n.t("    ")
    g.identifier(n, "mrn")
    n.t("\nDOB: ")
    g.date(n)
    n.t("    Admission Date: ")
    g.date(n)
    n.t("\nAttending: ")
    person(g, n)
    n.t("\n\n")
    return first, last


def signature(g, n):
    r = g.r
    k = r.randint(0, 3)
    if k == 0:
        n.t("\n-- ").p(g.full_name(), "name").t(", " + g.pick(CREDS) + "\n")
    elif k == 1:
        n.t("\nElectronically signed by: ").p(g.full_name(), "name").t(
            ", MD on ")
        g.date(n)
        n.t(" %02d:%02d\n" % (r.randint(0, 23), r.randint(0, 59)))
    elif k == 2:
        n.t("\n/s/ ").p(g.full_name(), "name").t("\n")
    else:
        n.t("\nDictated by: ").p(g.full_name(), "name").t(", NP\n")


def discharge_summary(g, n):
    r = g.r
    first, last = header(g, n, "DISCHARGE SUMMARY")
    n.t("HPI: ").p(first, "name").t(" is a ")
    if r.random() < 0.4:
        g.old_age(n, adjective=True)
        n.t(" woman with CHF admitted with dyspnea. ")
    else:
        n.t("%d-year-old woman with CHF admitted with dyspnea. " % r.randint(30, 89))
    distract(g, n)
    n.t("\nHospital course: diuresed with IV furosemide. Seen by cardiology (")
    person(g, n)
    n.t(") on ")
    g.date(n)
    n.t(".\nDischarge medications:\n- furosemide 40 mg PO daily\n- ")
    n.t(g.pick(DISTRACTORS) + "\n")
    n.t("Follow-up: PCP ")
    n.p(g.full_name(), "name")
    n.t(", tel ")
    g.phone(n)
    n.t(", fax ")
    g.phone(n, "fax")
    n.t(".\nHome: ")
    g.street(n)
    n.t(", ")
    g.city_state_zip(n)
    n.t(".\n")
    signature(g, n)


def progress_note(g, n):
    r = g.r
    n.t("PROGRESS NOTE  ")
    g.date(n)
    n.t("\nS: ")
    title = g.pick(["Mr.", "Mrs.", "Ms."])
    n.t(title + " ").p(g.pick(LAST), "name").t(" reports feeling better. ")
    distract(g, n, 1)
    n.t("Wife ").p(g.pick(FIRST), "name").t(" at bedside. ")
    n.t("\nO: ")
    distract(g, n, 2)
    n.t("\nA/P:\n1. CHF - continue diuresis. ")
    distract(g, n, 1)
    n.t("\n2. Dispo - discussed with daughter ").p(g.full_name(), "name")
    n.t(" (cell ")
    g.phone(n)
    n.t(") ")
    g.date_phrase(n)
    n.t(".\n")
    if r.random() < 0.5:
        n.t("cc: ")
        person(g, n)
        n.t("\n")
    signature(g, n)


def phone_message(g, n):
    r = g.r
    n.t("TELEPHONE ENCOUNTER\nCaller: ").p(g.full_name(), "name")
    n.t(" (" + g.pick(["son", "daughter", "wife", "husband", "self"]) + ")\n")
    n.t("Callback: ")
    g.phone(n)
    n.t("\nDate/time: ")
    g.date(n)
    n.t(" 10:42\nMessage: asks about refill of ")
    n.t(g.pick(["Percocet 5/325 mg", "lisinopril 10 mg", "metformin 500 mg BID"]))
    n.t(". Pt's email ")
    g.email(n)
    n.t(". ")
    distract(g, n, 1)
    n.t("\nIdentity verified with ")
    g.identifier(n, "ssn")
    n.t(". Insurance: ")
    g.identifier(n, "health_plan")
    n.t(".\nRN: ").p(g.full_name(), "name").t("\n")


def ed_note(g, n):
    r = g.r
    n.t("ED NOTE\nCC: fall at home\nHPI: ")
    if r.random() < 0.5:
        g.old_age(n)
        n.t(" M w/ afib on warfarin, found down by neighbor ")
    else:
        n.t("%d M w/ afib on warfarin, found down by neighbor " % r.randint(40, 89))
    n.p(g.full_name(), "name").t(". EMS from ")
    n.p(g.pick(COUNTIES), "location").t(". ")
    distract(g, n, 2)
    n.t("\nBrought by EMS; ambulance plate ")
    n.p("%dXYZ%s" % (r.randint(1, 9), g.digits(3)), "vehicle")
    n.t(" noted by police.\nSocial: lives in ").p(g.pick(CITIES), "location")
    n.t(" with son ").p(g.pick(FIRST), "name").t(". ")
    distract(g, n, 1)
    n.t("\nID: ")
    g.identifier(n, g.pick(["ssn", "license", "account"]))
    n.t("\n")
    person(g, n)
    n.t("\n")


def referral_letter(g, n):
    r = g.r
    n.t("Dear Dr. ").p(g.pick(LAST), "name").t(",\n\nThank you for seeing ")
    n.p(g.full_name(), "name").t(" (DOB ")
    g.date(n)
    n.t("), a patient of ours since ")
    n.t(str(r.randint(1995, 2020)) + ". ")
    distract(g, n, 2)
    n.t("\nShe has a pacemaker (")
    g.identifier(n, "device")
    n.t("). Records: ")
    g.url(n)
    n.t(" .\nPlease reply to ")
    g.email(n)
    n.t(" or fax ")
    g.phone(n, "fax")
    n.t(".\n\nSincerely,\n")
    n.p(g.full_name(), "name").t(", MD\n")
    g.identifier(n, "license")
    n.t("\n")
    g.street(n)
    n.t("\n")
    g.city_state_zip(n)
    n.t("\n")


def social_work(g, n):
    r = g.r
    n.t("SOCIAL WORK NOTE\n")
    n.t("Met with pt and HCP ").p(g.full_name(), "name").t(" (niece).\n")
    n.t("Pt resides in ").p(g.pick(COUNTIES), "location").t("; address ")
    g.street(n)
    n.t(", ")
    g.city_state_zip(n)
    n.t(".\n")
    n.t("Drives a truck, VIN ")
    n.p("1FTFW1ET5D%s%s" % (g.pick(["FC", "KD", "XA"]), g.digits(5)), "vehicle")
    n.t("; DL ")
    n.p("D" + g.digits(7), "license")
    n.t(".\n")
    distract(g, n, 2)
    n.t("\nBilling: ")
    g.identifier(n, "account")
    n.t("; ")
    g.identifier(n, "health_plan")
    n.t(".\nPlan: follow up ")
    g.date_phrase(n)
    n.t(".\n")
    signature(g, n)


def it_note(g, n):
    """Portal, device and access logs pasted into a note."""
    r = g.r
    n.t("Patient portal access issue. Login from ")
    g.ip(n)
    n.t(" at 08:15, then from ")
    g.ip(n)
    n.t(". Portal page ")
    g.url(n)
    n.t(".\nInsulin pump data upload; ")
    g.identifier(n, "device")
    n.t(". ")
    distract(g, n, 2)
    n.t("\nContact: ")
    g.email(n)
    n.t(", ")
    g.phone(n)
    n.t(".\n")
    n.t(g.pick(["Seen by ", "Reviewed by "])).p(g.full_name(), "name").t(".\n")


def nursing_note(g, n):
    r = g.r
    n.t("NURSING NOTE ")
    g.date(n)
    n.t(" 0700-1900\n")
    n.t("- Pt ").p(g.pick(LAST), "name").t(", ")
    g.old_age(n)
    n.t(", A&O x2.\n- ")
    distract(g, n, 2)
    n.t("\n- Visitor: ").p(g.full_name(), "name").t(" (friend), ")
    n.t(g.pick(["phone ", "cell "]))
    g.phone(n)
    n.t(".\n- ")
    g.identifier(n, g.pick(["mrn", "ssn", "account"]))
    n.t("\n- Belongings: hearing aid, glasses.\n")
    n.t("Report given to ").p(g.full_name(), "name").t(", RN.\n")


def radiology_report(g, n):
    r = g.r
    n.t("CT CHEST WITH CONTRAST\nPatient: ").p(g.full_name(), "name")
    n.t("   ")
    g.identifier(n, "mrn")
    n.t("   ")
    g.identifier(n, "account")
    n.t("\nExam date: ")
    g.date(n)
    n.t("\nComparison: CT %d. " % r.randint(2005, 2022))
    n.t("Series 3, image 45: 6 mm RUL nodule, previously 5 mm.\n")
    distract(g, n, 2)
    n.t("\nImpression: stable nodule; follow-up CT in 12 months per Fleischner "
        "criteria.\nRead by: ")
    person(g, n)
    n.t("\nReport sent to ")
    g.email(n)
    n.t("\n")


def operative_note(g, n):
    r = g.r
    n.t("OPERATIVE NOTE\nDate of surgery: ")
    g.date(n)
    n.t("\nSurgeon: ")
    person(g, n)
    n.t("\nAssistant: ").p(g.full_name(), "name").t(", PA-C\n")
    n.t("Procedure: total knee arthroplasty, right. EBL 200 mL.\n")
    distract(g, n, 2)
    n.t("\nPatient ")
    if r.random() < 0.5:
        g.old_age(n, adjective=True)
        n.t(" F")
    else:
        n.t("%d-year-old F" % r.randint(50, 89))
    n.t(", tolerated well. ")
    g.identifier(n, "device")
    n.t(".\n")
    signature(g, n)


def family_meeting(g, n):
    """Names in running prose: the detectors' hardest case."""
    r = g.r
    n.t("FAMILY MEETING ")
    g.date(n)
    n.t("\nPresent: ").p(g.full_name(), "name").t(" (son), ")
    n.p(g.full_name(), "name").t(" (daughter), chaplain.\n")
    first = g.pick(FIRST)
    n.t("Discussed goals of care. ").p(first, "name")
    n.t(" will bring her medication list. ")
    distract(g, n, 2)
    n.t("Family lives in ").p(g.pick(CITIES), "location")
    n.t("; grandson ").p(g.pick(FIRST), "name").t(" drives from ")
    n.p(g.pick(COUNTIES), "location").t(".\nContact: ")
    g.phone(n)
    n.t(" or ")
    g.email(n)
    n.t(".\n")
    signature(g, n)


TEMPLATES = [discharge_summary, progress_note, phone_message, ed_note,
             referral_letter, social_work, it_note, nursing_note,
             radiology_report, operative_note, family_meeting]


MARK = re.compile(r"\[\[([a-z_]+)\|([^\]]+)\]\]")


def from_markup(path):
    """Notes "=== ID" with [[type|text]] marks -> gold lines."""
    notes, current, body = [], None, []

    def flush():
        if current is None:
            return
        n = Note(current)
        text = "\n".join(body).rstrip("\n") + "\n"
        pos = 0
        for m in MARK.finditer(text):
            n.t(text[pos:m.start()])
            n.p(m.group(2), m.group(1))
            pos = m.end()
        n.t(text[pos:])
        notes.append(n.line())

    with open(path, encoding="utf-8") as f:
        for raw in f.read().split("\n"):
            if raw.startswith("=== "):
                flush()
                current, body = raw[4:].strip(), []
            elif current is not None:
                body.append(raw)
    flush()
    return notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="-")
    ap.add_argument("--notes", type=int, default=264)
    ap.add_argument("--markup")
    args = ap.parse_args()
    if args.markup:
        lines = from_markup(args.markup)
    else:
        g = Gen(random.Random(SEED))
        lines = []
        for i in range(args.notes):
            n = Note("note-%03d" % (i + 1))
            TEMPLATES[i % len(TEMPLATES)](g, n)
            lines.append(n.line())
    out = "\n".join(lines) + "\n"
    if args.out == "-":
        sys.stdout.write(out)
    else:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(out)


if __name__ == "__main__":
    main()
